@testable import Recognizer
import Testing

@Suite("The process's speech decoders")
struct DecoderPoolTests {
    @Test("a model and search validated once are not checked again: a graph starting while every decoder is busy loads no model")
    func validatedOnce() throws {
        let pool = DecoderPool()
        let search = RecognitionSearch.phrases(["press one for sales"])
        try pool.validate(search, for: .englishUS)
        #expect(pool.loadedCount == 1)
        // Every decoder busy (a call decoding an utterance): validating the same pair again
        // must not load a second model on the media thread.
        let busy = try pool.checkOut(.englishUS, live: false)
        try pool.validate(search, for: .englishUS)
        #expect(pool.loadedCount == 1)
        pool.checkIn(busy, for: .englishUS, live: false)
        // A word missing from the dictionary still fails, every time (it is never cached).
        let unknown = RecognitionSearch.phrases(["zzqxv blorptang"])
        #expect(throws: RecognizerError.self) { try pool.validate(unknown, for: .englishUS) }
        #expect(throws: RecognizerError.self) { try pool.validate(unknown, for: .englishUS) }
    }

    @Test("recognizers share one lane per processor, handed out in turn")
    func lanes() {
        let count = RecognitionLanes.count
        #expect(count >= 1)
        let lanes = (0..<(3 * count)).map { ObjectIdentifier(RecognitionLanes.lane($0)) }
        #expect(Set(lanes).count == count, "every lane is used")
        #expect((0..<count).allSatisfy { lanes[$0] == lanes[$0 + count] }, "in turn: the lane after the last is the first")
        #expect(ObjectIdentifier(RecognitionLanes.lane(-1)) == ObjectIdentifier(RecognitionLanes.lane(1)), "a wrapped counter still picks a lane")
    }
}
