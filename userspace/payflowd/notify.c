// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The service manager's view (sd_notify, libsystemd): READY=1 once payflowd
 * serves (ports attached, reservations reconciled, sockets listening), so
 * `systemctl start` returns then and units ordered after it find it ready;
 * RELOADING=1 around a reload; STOPPING=1. Without NOTIFY_SOCKET (not under
 * systemd) each call does nothing.
 */
#include <time.h>
#include <systemd/sd-daemon.h>
#include "userspace/payflowd/payflowd.h"

void pfd_notify_ready(const struct pfd *d)
{
	sd_notifyf(0, "READY=1\nSTATUS=%d ports, %zu reservations", d->conf.n_ports,
		   d->table.n_active);
}

void pfd_notify_reloading(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu",
		   (unsigned long long)ts.tv_sec * 1000000ULL +
		       (unsigned long long)ts.tv_nsec / 1000);
}

void pfd_notify_stopping(void)
{
	sd_notify(0, "STOPPING=1");
}
