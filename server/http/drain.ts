/**
 * Shutting down without failing Harbor's scans. Harbor's scan job treats one refused poll as final
 * (`MaxFails()=1`, no retry; harbor-scanner-api.md §3.6), so on SIGTERM the scanner keeps answering: polls
 * get their 302 or report while running scans finish, readiness turns 503 so no new traffic is routed
 * here, and every 302 tells Harbor to wait out a restart before it asks again.
 */

/**
 * `Refresh-After` while draining: a pod replacement (new image pulled, store opened, readiness passed)
 * takes 10–30 s, so a poller told to wait this long asks again once the next process answers. It only
 * delays scans that were in flight during a restart.
 */
export const RESTART_REFRESH_AFTER_SECONDS = 30;

export class Drain {
  #active = false;

  get active(): boolean {
    return this.#active;
  }

  start(): void {
    this.#active = true;
  }
}
