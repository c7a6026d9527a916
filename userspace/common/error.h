/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The last error of this thread, as one sentence for the user. Library calls
 * return -errno and leave the why here, so a CLI prints it and a daemon logs
 * it or sends it back on its socket.
 */
#ifndef PF_ERROR_H
#define PF_ERROR_H

/* Records a message and returns `err` (a negative errno) for tail calls. */
int pf_fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *pf_last_error(void);

#endif /* PF_ERROR_H */
