import Foundation
import Testing

@Suite("callwire score")
struct ScoreCommandTests {
    func files(_ reference: String, _ hypothesis: String) throws -> (String, String) {
        let folder = try temporaryDirectory("score")
        let ref = folder.appendingPathComponent("ref.txt"), hyp = folder.appendingPathComponent("hyp.txt")
        try reference.write(to: ref, atomically: true, encoding: .utf8)
        try hypothesis.write(to: hyp, atomically: true, encoding: .utf8)
        return (ref.path, hyp.path)
    }

    @Test("counts substitutions, deletions and insertions and prints the aligned words")
    func alignment() async throws {
        let (ref, hyp) = try files("the cat sat on the mat\nhello world\n", "the cat sat on mat today\nHello, world!\n")
        let result = await callwire("score", ref, hyp)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.out.contains("line 1: 2 error(s) in 6 word(s)"), "\(result.stdout)")
        #expect(result.out.contains("  REF: the cat sat on THE mat *****"), "\(result.stdout)")
        #expect(result.out.contains("  HYP: the cat sat on *** mat TODAY"), "\(result.stdout)")
        #expect(result.out.contains("line 2: 0 error(s) in 2 word(s)"), "case and punctuation do not count")
        #expect(result.out.last == "WER 25.0 % (2 errors in 8 words: 0 substitutions, 1 deletions, 1 insertions; 1 of 2 utterances with errors)")
    }

    @Test("pairs utterances by their (id) in pocketsphinx transcription style, whatever the order")
    func byID() async throws {
        let (ref, hyp) = try files("<s> ten of clubs </s> (001)\n<s> five five </s> (004)\n",
                                   "five fine (004 -2755)\nten of clubs (001 -3466)\n")
        let result = await callwire("score", ref, hyp, "--summary")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.out == ["WER 20.0 % (1 errors in 5 words: 1 substitutions, 0 deletions, 0 insertions; 1 of 2 utterances with errors)"])
    }

    @Test("files that do not pair up, or cannot be read, fail with exit status 1 naming the file")
    func mismatch() async throws {
        let (ref, hyp) = try files("one\ntwo\n", "one\n")
        let result = await callwire("score", ref, hyp)
        #expect(result.status == 1)
        #expect(result.stderr.contains(ref) && result.stderr.contains("2 line(s)"), "\(result.stderr)")
        let missing = await callwire("score", ref, "/nonexistent/hyp.txt")
        #expect(missing.status == 1 && missing.stderr.contains("/nonexistent/hyp.txt"), "\(missing.stderr)")
    }
}
