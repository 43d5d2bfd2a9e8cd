"""`rolegraph serve`: the store as a SPARQL 1.1 Protocol endpoint (Starlette on uvicorn), with the
named queries, a query page on a vendored YASGUI and the browser view, on loopback by default.

Modules: settings (options, loopback, token), errors (the JSON error shape), formats (negotiation and
serialisers), store_view (a process's store handle and the jobs it runs), workers (worker processes with
a timeout and a memory cap), lanes (admission control), cache (named-query answers per store version,
with ETags), fastlane (kept answers sent again from the outermost ASGI layer), description (the SPARQL
service description), pages (the query page from kg/server/web), protocol (uvicorn's HTTP parser with
JSON errors, a response in one write), app (routes), run (start, stop, the command body).

Safety: SERVICE and LOAD are refused before a query runs; queries run in worker processes that are
killed at --timeout and capped at --memory MiB (a clean 503 either way); results above --max-rows are
refused; the store is opened read-only; the Host header must name the loopback address unless
--public (against DNS rebinding); POSTs from another web origin are refused unless --cors allows it.
Named queries and /health have their own lane, so expensive ad-hoc queries cannot starve them; the
ad-hoc query workers run niced, and a query that finds them busy for 5 s gets 503 with Retry-After.
"""
