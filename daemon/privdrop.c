/* privdrop.c: switch from root to the configured user (privdrop.h). */
#include "privdrop.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include "log.h"

#define NSS_BUF 65536 /* for getpwnam_r / getgrnam_r */

struct ids {
	uid_t uid;
	gid_t gid;
	char user[256];
	char group[256];
};

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* The user by name (or by number if no name matches): uid, primary gid. */
static int find_user(const char *name, struct ids *id, char *buf,
                     struct umbra_err *err)
{
	struct passwd pw, *res = NULL;
	int rc = getpwnam_r(name, &pw, buf, NSS_BUF, &res);

	if (!res && rc == 0 && all_digits(name))
		rc = getpwuid_r((uid_t)strtoul(name, NULL, 10), &pw, buf,
		                NSS_BUF, &res);
	if (rc != 0)
		return umbra_err_set(err, -rc,
		                     "user '%s': cannot look it up: %s", name,
		                     strerror(rc));
	if (!res)
		return umbra_err_set(err, -ENOENT,
		                     "user '%s': no such user (key user, "
		                     "--user)",
		                     name);
	id->uid = pw.pw_uid;
	id->gid = pw.pw_gid;
	snprintf(id->user, sizeof id->user, "%s", pw.pw_name);
	return 0;
}

/* The group: named by key group, else the user's primary group. */
static int find_group(const char *name, struct ids *id, char *buf,
                      struct umbra_err *err)
{
	struct group gr, *res = NULL;
	int rc;

	if (name && *name) {
		rc = getgrnam_r(name, &gr, buf, NSS_BUF, &res);
		if (!res && rc == 0 && all_digits(name))
			rc = getgrgid_r((gid_t)strtoul(name, NULL, 10), &gr,
			                buf, NSS_BUF, &res);
		if (rc != 0)
			return umbra_err_set(
			    err, -rc, "group '%s': cannot look it up: %s", name,
			    strerror(rc));
		if (!res)
			return umbra_err_set(err, -ENOENT,
			                     "group '%s': no such group (key "
			                     "group)",
			                     name);
		id->gid = gr.gr_gid;
	} else if (getgrgid_r(id->gid, &gr, buf, NSS_BUF, &res) != 0) {
		res = NULL;
	}
	if (res)
		snprintf(id->group, sizeof id->group, "%s", res->gr_name);
	else
		snprintf(id->group, sizeof id->group, "%u", (unsigned)id->gid);
	return 0;
}

/* Does this process hold any capability (permitted or effective)? */
static int has_caps(void)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof d);
	if (syscall(SYS_capget, &h, d) != 0)
		return -1;
	return (d[0].effective | d[1].effective | d[0].permitted |
	        d[1].permitted) != 0;
}

static int switch_ids(const struct ids *id, struct umbra_err *err)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (initgroups(id->user, id->gid) != 0)
		return umbra_err_set(err, -errno,
		                     "user '%s': cannot set its groups: %s",
		                     id->user, strerror(errno));
	if (setgid(id->gid) != 0)
		return umbra_err_set(err, -errno, "group '%s' (gid %u): %s",
		                     id->group, (unsigned)id->gid,
		                     strerror(errno));
	if (setuid(id->uid) != 0)
		return umbra_err_set(err, -errno, "user '%s' (uid %u): %s",
		                     id->user, (unsigned)id->uid,
		                     strerror(errno));
	/* every id changed, and there is no way back */
	if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0 ||
	    ru != id->uid || eu != id->uid || su != id->uid || rg != id->gid ||
	    eg != id->gid || sg != id->gid)
		return umbra_err_set(err, -EPERM,
		                     "user '%s': the ids did not all change",
		                     id->user);
	if (setuid(0) == 0 || seteuid(0) == 0)
		return umbra_err_set(
		    err, -EPERM,
		    "user '%s': root could be taken back after "
		    "the switch",
		    id->user);
	if (has_caps() != 0)
		return umbra_err_set(err, -EPERM,
		                     "user '%s': capabilities are still held "
		                     "after the switch",
		                     id->user);
	return 0;
}

/* output_dir, or the nearest directory above it that exists (the writer
 * creates the rest), must let the user create files. */
static int check_output_dir(const char *dir, const struct ids *id,
                            struct umbra_err *err)
{
	char path[4096];
	size_t len;

	if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path)
		return umbra_err_set(err, -ENAMETOOLONG, "output_dir too long");
	for (;;) {
		char *slash;

		if (access(path, W_OK | X_OK) == 0)
			return 0;
		if (errno != ENOENT || strcmp(path, ".") == 0 ||
		    strcmp(path, "/") == 0)
			break;
		while ((len = strlen(path)) > 1 && path[len - 1] == '/')
			path[len - 1] = '\0';
		slash = strrchr(path, '/');
		if (!slash)
			strcpy(path, ".");
		else if (slash == path)
			path[1] = '\0';
		else
			*slash = '\0';
	}
	if (strcmp(path, dir) == 0)
		return umbra_err_set(err, -errno,
		                     "output_dir %s: not writable by user '%s' "
		                     "(uid %u): %s",
		                     dir, id->user, (unsigned)id->uid,
		                     strerror(errno));
	return umbra_err_set(err, -errno,
	                     "output_dir %s: user '%s' (uid %u) cannot create "
	                     "it in %s: %s",
	                     dir, id->user, (unsigned)id->uid, path,
	                     strerror(errno));
}

int privdrop_apply(const struct umbra_config *cfg, struct umbra_err *err)
{
	struct ids id;
	char *buf;
	int rc, ngroups;

	if (!cfg->user || !*cfg->user) {
		if (cfg->group && *cfg->group)
			log_warn("group '%s' ignored: no user to switch to",
			         cfg->group);
		return 0;
	}
	if (geteuid() != 0) {
		log_warn("user '%s': not started as root: running on as uid %u",
		         cfg->user, (unsigned)geteuid());
		return 0;
	}
	if (!(buf = malloc(NSS_BUF)))
		return umbra_err_set(err, -ENOMEM, "out of memory");
	memset(&id, 0, sizeof id);
	rc = find_user(cfg->user, &id, buf, err);
	if (rc == 0)
		rc = find_group(cfg->group, &id, buf, err);
	free(buf);
	if (rc < 0)
		return rc;
	if (id.uid == 0) {
		log_warn("user '%s' is uid 0: staying root", cfg->user);
		return 0;
	}
	if ((rc = switch_ids(&id, err)) < 0)
		return rc;
	if ((rc = check_output_dir(cfg->output_dir, &id, err)) < 0)
		return rc;
	ngroups = getgroups(0, NULL);
	log_info("switched to user %s (uid %u), group %s (gid %u), %d "
	         "supplementary group(s); no capabilities left",
	         id.user, (unsigned)id.uid, id.group, (unsigned)id.gid,
	         ngroups < 0 ? 0 : ngroups);
	return 0;
}
