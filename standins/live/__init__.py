"""The pipeline running continuously on the local stack (`make live`, `python -m standins.live`):
a live source, the emulator following it, the sink as a service, and incremental dbt builds
one after another, each reporting what it brought in and how fresh the tables are."""
