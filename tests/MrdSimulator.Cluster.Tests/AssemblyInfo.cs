// Every test here starts real processes (Redis, silos, gateways, nginx); one at a time keeps a 2-core machine's
// readiness waits short and predictable.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
