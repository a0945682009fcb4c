/* log.h: the one logger of libumbra and its programs.
 *
 * Levels filter before any formatting happens, so a disabled debug line costs
 * one compare.  Every line is one event: "<UTC time> umbrad[pid] <level>: msg".
 * Thread safety: umbra_log() may be called from any thread; each line is
 * written with a single write(2).  Never call it on the per-packet path.
 */
#ifndef UMBRA_LOG_H
#define UMBRA_LOG_H

#include <stdarg.h>

enum umbra_log_level {
	UMBRA_LOG_ERROR = 0,
	UMBRA_LOG_WARN = 1,
	UMBRA_LOG_INFO = 2,
	UMBRA_LOG_DEBUG = 3,
};

/* Set the program name shown in each line and the level.  Call from main()
 * before any thread starts. */
void umbra_log_init(const char *progname, enum umbra_log_level level);
void umbra_log_set_level(enum umbra_log_level level);
enum umbra_log_level umbra_log_get_level(void);

/* Parse "error", "warn", "info", "debug"; returns 0 or -EINVAL. */
int umbra_log_level_parse(const char *name, enum umbra_log_level *out);
const char *umbra_log_level_name(enum umbra_log_level level);

void umbra_log(enum umbra_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

extern enum umbra_log_level umbra_log_threshold;

#define UMBRA_LOG_AT(lvl, ...)                                                 \
	do {                                                                   \
		if ((lvl) <= umbra_log_threshold)                              \
			umbra_log((lvl), __VA_ARGS__);                         \
	} while (0)
#define log_error(...) UMBRA_LOG_AT(UMBRA_LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  UMBRA_LOG_AT(UMBRA_LOG_WARN, __VA_ARGS__)
#define log_info(...)  UMBRA_LOG_AT(UMBRA_LOG_INFO, __VA_ARGS__)
#define log_debug(...) UMBRA_LOG_AT(UMBRA_LOG_DEBUG, __VA_ARGS__)

#endif
