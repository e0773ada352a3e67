import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Checks a ladder diagram: a well-formed SVG document (Foundation's XML parser) whose text
/// names what it should, that `rsvg-convert` (Debian `librsvg2-bin`) renders to a PNG.
public enum LadderChecks {
    /// A check that failed, said for people.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Validates the SVG at `path`; `mentions` must each occur in some text element.
    /// - Returns: the texts of the diagram, in document order.
    @discardableResult
    public static func validate(_ path: String, mentions: [String]) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else { throw Failure(description: "no ladder at \(path)") }
        let reader = TextCollector()
        let parser = XMLParser(data: data)
        parser.delegate = reader
        guard parser.parse() else {
            throw Failure(description: "\(path) is not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "?") at line \(parser.lineNumber)")
        }
        guard reader.root == "svg" else { throw Failure(description: "\(path): the root element is \(reader.root ?? "nothing"), not svg") }
        for mention in mentions where !reader.texts.contains(where: { $0.contains(mention) }) {
            throw Failure(description: "\(path): no text mentions '\(mention)'; texts: \(reader.texts)")
        }
        try render(path)
        return reader.texts
    }

    /// Renders the SVG to a PNG next to it with rsvg-convert and checks the PNG's signature.
    public static func render(_ path: String) throws {
        let tool = ["/usr/bin/rsvg-convert", "/usr/local/bin/rsvg-convert"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let tool else { throw Failure(description: "rsvg-convert is not installed; run `make deps` (Debian librsvg2-bin)") }
        let png = path + ".png"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = ["-o", png, path]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw Failure(description: "rsvg-convert \(path) failed: \(message)") }
        let bytes = [UInt8](FileManager.default.contents(atPath: png) ?? Data())
        guard bytes.count > 1_000, bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) else {
            throw Failure(description: "rsvg-convert wrote no PNG for \(path) (\(bytes.count) bytes)")
        }
    }
}

/// Collects the root element's name and the text of every element.
private final class TextCollector: NSObject, XMLParserDelegate {
    var root: String?
    var texts: [String] = []
    private var current = ""

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        if root == nil { root = elementName }
        current = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { current += string }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        if elementName == "text", !current.isEmpty { texts.append(current) }
        current = ""
    }
}
