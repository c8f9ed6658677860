/* Trimming the daemon's memory when idle (idle.c). */
#pragma once

/* Start the trimming thread (once, after start-up). */
void idle_start(void);
/* An API request began or ended. */
void idle_activity(void);
