import MediaCore
@testable import PipelineLanguage
import Testing

@Suite("Lexer and parser")
struct LexerParserTests {
    func values(_ text: String) throws -> [String: ParameterValue] {
        var lexer = Lexer(text)
        var result: [String: ParameterValue] = [:]
        for token in try lexer.tokenize() {
            if case .property(let key, let value, _) = token.kind { result[key] = value }
        }
        return result
    }

    @Test("values carry their units")
    func typedValues() throws {
        let v = try values(#"x a=20ms b=1.5s c=8kHz d=44.1kHz e=-6dB f=5% g=true h=off i=440 j=0.25 k=hello l="two words" m='single quoted' n=250us o=2min"#)
        #expect(v["a"] == .duration(.milliseconds(20)))
        #expect(v["b"] == .duration(.milliseconds(1500)))
        #expect(v["c"] == .frequency(8000))
        #expect(v["d"] == .frequency(44100))
        #expect(v["e"] == .decibels(-6))
        #expect(v["f"] == .percent(0.05))
        #expect(v["g"] == .bool(true))
        #expect(v["h"] == .bool(false))
        #expect(v["i"] == .int(440))
        #expect(v["j"] == .double(0.25))
        #expect(v["k"] == .string("hello"))
        #expect(v["l"] == .string("two words"))
        #expect(v["m"] == .string("single quoted"))
        #expect(v["n"] == .duration(.microseconds(250)))
        #expect(v["o"] == .duration(.seconds(120)))
    }

    @Test("quoted strings keep !, # and escapes; paths stay words")
    func quoting() throws {
        let v = try values(#"x text="say \"hi\" ! # now" path=calls/{call-id}-rx.wav digits=12#"#)
        #expect(v["text"] == .string(#"say "hi" ! # now"#))
        #expect(v["path"] == .string("calls/{call-id}-rx.wav"))
        #expect(v["digits"] == .string("12#"), "# inside a value is not a comment")
    }

    @Test("chains: gst-launch semantics, comments, names and references")
    func chains() throws {
        let ast = try Parser.parse("""
        # record and meter
        sine freq=440 ! tee name=t   # fan out
        t. ! null-sink
        t.src_1 !
          level-meter
        """)
        #expect(ast.chains.count == 3)
        #expect(ast.chains[0].elements.count == 2)
        guard case .reference("t", nil, _) = ast.chains[1].elements[0] else {
            Issue.record("expected a reference")
            return
        }
        guard case .reference("t", "src_1", _) = ast.chains[2].elements[0] else {
            Issue.record("expected a reference with a port")
            return
        }
        #expect(ast.chains[2].links[0].line == 4)
    }

    @Test("several chains on one line, as on a command line")
    func oneLine() throws {
        let ast = try Parser.parse("tee name=t  t. ! null-sink  t. ! null-sink")
        #expect(ast.chains.count == 3)
    }

    @Test("syntax errors have exact locations", arguments: [
        ("sine ! ", "<pipeline>:1:6: error: the pipeline ends with '!'; link it to a node such as `null-sink`"),
        ("! sine", "<pipeline>:1:1: error: '!' must sit between two elements"),
        ("freq=1 ! sine", "<pipeline>:1:1: error: parameter 'freq=' must follow a node type"),
        ("sine text=\"open", "<pipeline>:1:11: error: unterminated string: missing closing \""),
        ("sine\n  freq=10qq", "<pipeline>:2:8: error: unknown unit 'qq' in '10qq' (units: ms, s, us, min, Hz, kHz, dB, %)"),
        ("sine ! ! null-sink", "<pipeline>:1:8: error: '!' must sit between two elements"),
        ("sine rate= ! x", "<pipeline>:1:11: error: parameter 'rate' has no value after '='"),
    ])
    func syntaxErrors(text: String, expected: String) {
        #expect(throws: PipelineSyntaxError.self) { try Parser.parse(text) }
        do {
            _ = try Parser.parse(text)
        } catch {
            #expect(error.description == expected)
        }
    }
}
