import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns SIGINT and SIGTERM into a graceful stop: the first signal calls `onStop` (finish the
/// call, finalize recordings); a second SIGINT exits at once with status 130.
final class SignalTrap: @unchecked Sendable {
    private var sources: [any DispatchSourceSignal] = []
    private let queue = DispatchQueue(label: "callwire.signals")
    private var count = 0

    init(onStop: @escaping @Sendable () -> Void) {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
            source.setEventHandler { [unowned self] in
                self.count += 1
                if self.count > 1 {
                    writeLine("\ninterrupted again: exiting without cleaning up", to: 2)
                    exit(130)
                }
                onStop()
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Restores the default signal handling.
    func cancel() {
        for source in sources { source.cancel() }
        sources.removeAll()
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
