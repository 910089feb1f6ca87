"""Articles from the web: the fetcher (the only network code), extraction, feeds, and adding pages to the seeds."""
