import Testing

/// Tests that run `crisp-bridge` processes (serve, sandbox, events). One at a time: they load the machine, and
/// some measure how long delivery takes.
@Suite(.serialized) enum ProcessTests {}
