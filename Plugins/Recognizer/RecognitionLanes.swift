import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Where every recognizer of the process decodes: one serial lane per processor. Each node's
/// own queue targets one lane (its utterances stay in order), so however many calls transcribe
/// at once, at most that many whole utterances are decoded at the same moment — the CPU is not
/// oversubscribed under the media threads, and whole-utterance decoding needs at most one model
/// per lane (50 calls used to load 50 models, 5 GB). Live decoding for `partial=true` holds a
/// decoder for as long as an utterance lasts, so it still needs one per call speaking at once.
enum RecognitionLanes {
    /// The lanes: one per online processor, at utility priority (media comes first).
    private static let lanes: [DispatchQueue] = {
        let count = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        return (0..<count).map { DispatchQueue(label: "callwire.recognition-lane-\($0)", qos: .utility) }
    }()
    private static let counter = Atomic<Int>(0)

    /// How many lanes there are.
    static var count: Int { lanes.count }

    /// The next lane, round robin.
    static func next() -> DispatchQueue {
        lane(counter.wrappingAdd(1, ordering: .relaxed).oldValue)
    }

    /// The lane the `index`-th recognizer gets.
    static func lane(_ index: Int) -> DispatchQueue { lanes[Int(index.magnitude % UInt(lanes.count))] }
}
