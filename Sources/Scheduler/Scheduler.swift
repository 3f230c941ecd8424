// The Scheduler module will read `jobs/*.yaml`, decide what runs when (cron in a time zone,
// catch-up, no overlap) and run `Ingest` steps. It lands with the nightly-run issue; until then it
// deliberately holds no code, so nothing here pretends to schedule.
