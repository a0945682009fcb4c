/* reload.h: SIGHUP.  Read the configuration again as at start (the file of
 * -c, then the command-line flags over it), reopen the log file, apply what
 * can change at run time (log_level, log_target, log_file) and log one line
 * naming every other key whose value changed: those need a restart.  A file
 * that cannot be read or is refused is logged with its FILE:LINE:COLUMN,
 * and every running setting stays.  Then the meta-data files (maxmind_db,
 * netacq_db, pfx2as_file: metadata.h) are loaded again, always, from the
 * new configuration's paths (the paths in force when it was refused), and
 * replace the tables in use between two interval ends.
 *
 * Thread use: reload_init() in main() before the signal thread starts;
 * reload_run() on the signal thread only.  The running configuration given
 * to reload_init() is only read, and must outlive the signal thread.
 */
#ifndef UMBRA_RELOAD_H
#define UMBRA_RELOAD_H

#include "config.h"

/* argc/argv: main()'s, kept (argv must stay valid); config_path: -c or
 * NULL; running: the configuration umbrad runs with, whose log settings
 * are in force. */
void reload_init(int argc, char **argv, const char *config_path,
                 const struct umbra_config *running);

/* Handle one SIGHUP.  Returns 0 if the configuration was read (whatever it
 * changed), or a negative errno if it was refused (logged). */
int reload_run(void);

#endif
