import CFlite
import Foundation
import Synchronization

/// flite for the whole process. Its voices are global mutable state, so every synthesis runs
/// on one serial queue; voices are registered once, on first use.
final class FliteEngine: @unchecked Sendable {
    static let shared = FliteEngine()

    private let queue = DispatchQueue(label: "callwire.flite")
    private var voices: [String: (pointer: UnsafeMutableRawPointer, rate: Int)] = [:]

    /// The voices flite ships in Debian.
    static let voiceNames = ["kal", "kal16", "slt", "rms", "awb"]

    /// Rates of the voices registered so far, readable without waiting for the synthesis queue.
    private let rates = Mutex<[String: Int]>([:])

    /// Registers `name` (on the synthesis queue, the first time) and returns its sample rate.
    /// A voice already known answers at once: a node is made on the thread attaching a call's
    /// media, which must not wait behind other calls' syntheses.
    func rate(of name: String) -> Int? {
        if let known = rates.withLock({ $0[name] }) { return known }
        let rate = queue.sync { voice(name)?.rate }
        if let rate { rates.withLock { $0[name] = rate } }
        return rate
    }

    private func voice(_ name: String) -> (pointer: UnsafeMutableRawPointer, rate: Int)? {
        if let known = voices[name] { return known }
        guard let pointer = callwire_flite_voice(name) else { return nil }
        let entry = (pointer, Int(callwire_flite_rate(pointer)))
        voices[name] = entry
        return entry
    }

    /// Synthesizes `text` asynchronously; `sink` receives the audio in chunks, then `done`.
    func speak(_ text: String, voice name: String, sink: SpeechBuffer) {
        queue.async { [self] in
            guard let voice = voice(name) else {
                sink.finish()
                return
            }
            let box = Unmanaged.passRetained(sink)
            callwire_flite_speak(voice.pointer, text, { samples, count, _, userdata in
                let sink = Unmanaged<SpeechBuffer>.fromOpaque(userdata!).takeUnretainedValue()
                if let samples, count > 0 { sink.append(samples, count: Int(count)) }
                return sink.isCancelled ? 1 : 0
            }, box.toOpaque())
            box.release()
            sink.finish()
        }
    }
}

/// Synthesized samples handed from the synthesis queue to the graph's executor.
final class SpeechBuffer: @unchecked Sendable {
    private let condition = NSCondition()
    private var samples: [Int16] = []
    private var start = 0
    private var pendingJobs = 0
    private var cancelled = false
    private var chunks = 0

    /// Marks a job as queued (before `FliteEngine.speak`).
    func begin() {
        condition.lock()
        pendingJobs += 1
        condition.unlock()
    }

    func append(_ pointer: UnsafePointer<Int16>, count: Int) {
        condition.lock()
        samples.append(contentsOf: UnsafeBufferPointer(start: pointer, count: count))
        chunks += 1
        condition.broadcast()
        condition.unlock()
    }

    func finish() {
        condition.lock()
        pendingJobs -= 1
        condition.broadcast()
        condition.unlock()
    }

    var isCancelled: Bool {
        condition.lock()
        defer { condition.unlock() }
        return cancelled
    }

    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    /// How many pieces synthesis has delivered so far (streaming delivers many per text).
    var chunkCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return chunks
    }

    /// Samples ready to read.
    var buffered: Int {
        condition.lock()
        defer { condition.unlock() }
        return samples.count - start
    }

    /// Whether nothing is buffered and nothing is being synthesized.
    var isIdle: Bool {
        condition.lock()
        defer { condition.unlock() }
        return pendingJobs == 0 && start == samples.count
    }

    /// Moves up to `count` samples into `destination`. When `wait` is set and synthesis is
    /// still running, waits until `count` samples are there or synthesis ends.
    func read(into destination: UnsafeMutablePointer<Int16>, count: Int, wait: Bool) -> Int {
        condition.lock()
        defer { condition.unlock() }
        while wait, samples.count - start < count, pendingJobs > 0, !cancelled { condition.wait() }
        let n = min(count, samples.count - start)
        samples.withUnsafeBufferPointer { buffer in
            destination.update(from: buffer.baseAddress! + start, count: n)
        }
        start += n
        if start == samples.count {
            samples.removeAll(keepingCapacity: true)
            start = 0
        }
        return n
    }
}
