/* recover.h: temporary files left by an earlier run that died (a crash, a
 * second SIGTERM, a power cut) are incomplete output.  At start umbrad
 * reports each one and moves it aside under a name that says so
 * (".NAME.tmp" -> ".NAME.incomplete-<unix time>", still a dot-file that
 * Spark and Hadoop skip): never deleted, never mistaken for a complete file,
 * and never overwritten by the interval that is written again.
 *
 * Thread use: main(), before the pipeline starts.
 */
#ifndef UMBRA_RECOVER_H
#define UMBRA_RECOVER_H

/* Scan dir (recursively, not following links).  Returns the number of
 * leftovers moved aside, or a negative errno if dir cannot be read (a dir
 * that does not exist yet is 0). */
int recover_leftovers(const char *dir);

#endif
