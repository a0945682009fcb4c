/* pidfile.c: the pidfile (pidfile.h). */
#include "pidfile.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

static int pid_fd = -1;
static char *pid_path;

/* The pid written in the file, or 0 if it holds none. */
static long read_pid(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
	char *end;
	long pid;

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	pid = strtol(buf, &end, 10);
	if (end == buf || (*end && *end != '\n') || pid <= 0)
		return 0;
	return pid;
}

/* Is pid a running process named umbrad (other than us)? */
static int is_live_umbrad(long pid)
{
	char path[64], comm[32] = "";
	FILE *f;

	if (pid <= 0 || pid == (long)getpid())
		return 0;
	if (kill((pid_t)pid, 0) != 0 && errno != EPERM)
		return 0;
	snprintf(path, sizeof path, "/proc/%ld/comm", pid);
	if (!(f = fopen(path, "r")))
		return 0;
	if (!fgets(comm, sizeof comm, f))
		comm[0] = '\0';
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';
	return strcmp(comm, "umbrad") == 0;
}

static int held(const char *path, long pid, struct umbra_err *err)
{
	if (pid)
		return umbra_err_set(err, -EEXIST,
		                     "pidfile %s: umbrad (pid %ld) is running "
		                     "with it: not starting a second one",
		                     path, pid);
	return umbra_err_set(err, -EEXIST,
	                     "pidfile %s: locked by another running process: "
	                     "not starting a second umbrad",
	                     path);
}

/* Lock the open pidfile fd, check it is still the file at path and that
 * no live umbrad holds it, write our pid.  Returns 0, 1 to try again (the
 * file was replaced meanwhile), or a negative errno. */
static int claim(int fd, const char *path, int created, struct umbra_err *err)
{
	struct stat a, b;
	char buf[32];
	long old;
	int n;

	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK)
			return held(path, read_pid(fd), err);
		return umbra_err_set(err, -errno, "pidfile %s: cannot lock: %s",
		                     path, strerror(errno));
	}
	if (fstat(fd, &a) != 0 || stat(path, &b) != 0 || a.st_dev != b.st_dev ||
	    a.st_ino != b.st_ino)
		return 1; /* removed or replaced since we opened it */
	old = created ? 0 : read_pid(fd);
	if (is_live_umbrad(old)) /* written by an umbrad that did not lock */
		return held(path, old, err);
	n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n)
		return umbra_err_set(err, -errno,
		                     "pidfile %s: cannot write: %s", path,
		                     strerror(errno));
	if (!created && old)
		log_warn("pidfile %s: stale (pid %ld is not a running umbrad): "
		         "taken over",
		         path, old);
	else if (!created)
		log_warn("pidfile %s: stale (no pid in it): taken over", path);
	log_info("pidfile %s: pid %ld", path, (long)getpid());
	return 0;
}

int pidfile_create(const char *path, struct umbra_err *err)
{
	if (!path || !*path)
		return 0;
	for (int tries = 0; tries < 8; tries++) {
		int created = 1, rc;
		int fd =
		    open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

		if (fd < 0 && errno == EEXIST) {
			created = 0;
			fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
			if (fd < 0 && errno == ENOENT)
				continue; /* removed meanwhile */
		}
		if (fd < 0)
			return umbra_err_set(err, -errno,
			                     "pidfile %s: cannot open: %s",
			                     path, strerror(errno));
		rc = claim(fd, path, created, err);
		if (rc == 0) {
			if (!(pid_path = strdup(path))) {
				unlink(path);
				close(fd);
				return umbra_err_set(err, -ENOMEM,
				                     "out of memory");
			}
			pid_fd = fd;
			return 0;
		}
		close(fd);
		if (rc < 0)
			return rc;
	}
	return umbra_err_set(err, -EAGAIN,
	                     "pidfile %s: replaced again and again while we "
	                     "tried to take it",
	                     path);
}

void pidfile_remove(void)
{
	if (pid_fd < 0)
		return;
	/* unlink while still holding the lock: a new umbrad either sees our
	 * locked file or none */
	if (unlink(pid_path) != 0) {
		int e = errno;
		if (ftruncate(pid_fd, 0) == 0)
			log_info("pidfile %s: cannot remove it (%s): emptied",
			         pid_path, strerror(e));
		else
			log_warn("pidfile %s: cannot remove it: %s", pid_path,
			         strerror(e));
	}
	close(pid_fd);
	pid_fd = -1;
	free(pid_path);
	pid_path = NULL;
}
