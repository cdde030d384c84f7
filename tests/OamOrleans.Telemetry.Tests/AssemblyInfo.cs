// Tracer providers and meter listeners see the whole process: one test at a time keeps each test's spans and
// measurements its own.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
