import MediaCore

/// Parses pipeline text into a ``PipelineAST``.
///
/// ```
/// pipeline := chain*
/// chain    := element ( '!' element )*
/// element  := TYPE property* | '@'SLOT property* | NAME '.' [PORT]
/// property := KEY '=' value
/// ```
/// A chain ends at an element not followed by `!`; the next element starts a new chain, so
/// several chains can share one line (`tee name=t  t. ! null-sink  t. ! null-sink`).
public enum Parser {
    /// Parses `text`.
    /// - Parameter file: the name used in diagnostics (`<pipeline>` for inline text).
    /// - Throws: ``PipelineSyntaxError`` at the first syntax error.
    public static func parse(_ text: String, file: String = "<pipeline>") throws(PipelineSyntaxError) -> PipelineAST {
        var lexer = Lexer(text, file: file)
        let tokens = try lexer.tokenize()
        var chains: [PipelineAST.Chain] = []
        var i = 0
        var current: PipelineAST.Chain?
        var pendingLink: SourceLocation?

        func element(at start: Int) throws(PipelineSyntaxError) -> (PipelineAST.Element, Int) {
            let token = tokens[start]
            var next = start + 1
            func properties() -> [PipelineAST.Property] {
                var props: [PipelineAST.Property] = []
                while next < tokens.count, case .property(let key, let value, let valueLocation) = tokens[next].kind {
                    props.append(.init(key: key, value: value, location: tokens[next].location, valueLocation: valueLocation))
                    next += 1
                }
                return props
            }
            switch token.kind {
            case .word(let type):
                return (.node(type: type, properties: properties(), location: token.location), next)
            case .slot(let name):
                return (.slot(name: name, properties: properties(), location: token.location), next)
            case .reference(let name, let port):
                if next < tokens.count, case .property(let key, _, _) = tokens[next].kind {
                    throw PipelineSyntaxError(tokens[next].location,
                                              "'\(key)=' follows the reference '\(name).'; set parameters where '\(name)' is declared")
                }
                return (.reference(name: name, port: port, location: token.location), next)
            case .property(let key, _, _):
                throw PipelineSyntaxError(token.location, "parameter '\(key)=' must follow a node type")
            case .link:
                throw PipelineSyntaxError(token.location, "'!' must sit between two elements")
            }
        }

        while i < tokens.count {
            if case .link = tokens[i].kind {
                guard current != nil, pendingLink == nil else {
                    throw PipelineSyntaxError(tokens[i].location, "'!' must sit between two elements")
                }
                pendingLink = tokens[i].location
                i += 1
                continue
            }
            let (parsed, next) = try element(at: i)
            i = next
            if let link = pendingLink, current != nil {
                current!.elements.append(parsed)
                current!.links.append(link)
                pendingLink = nil
            } else {
                if let finished = current { chains.append(finished) }
                current = PipelineAST.Chain(elements: [parsed], links: [])
            }
        }
        if let link = pendingLink {
            throw PipelineSyntaxError(link, "the pipeline ends with '!'; link it to a node such as `null-sink`")
        }
        if let finished = current { chains.append(finished) }
        return PipelineAST(chains: chains, file: file)
    }
}
