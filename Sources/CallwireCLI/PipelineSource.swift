#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A pipeline given on the command line: a file path, inline text, or `-` for standard input.
///
/// An argument naming an existing file is that file. An argument ending in `.pipeline`, or a
/// single path-like word (`dir/x`), is a file that must exist. Anything else is pipeline text,
/// named `<pipeline>` in diagnostics.
struct PipelineSource {
    /// The name used in diagnostics.
    var name: String
    /// The pipeline text.
    var text: String

    static func resolve(_ argument: String) throws(CommandFailure) -> PipelineSource {
        if argument == "-" {
            var text = ""
            while let line = readLine(strippingNewline: false) { text += line }
            return PipelineSource(name: "<stdin>", text: text)
        }
        if let text = readFile(argument) { return PipelineSource(name: argument, text: text) }
        let looksLikePath = argument.hasSuffix(".pipeline")
            || (!argument.contains(where: { $0 == " " || $0 == "!" || $0 == "=" }) && argument.contains("/"))
        if looksLikePath {
            throw .error("cannot read pipeline file '\(argument)': \(String(cString: strerror(errno)))")
        }
        return PipelineSource(name: "<pipeline>", text: argument)
    }

    /// The whole file as UTF-8, or `nil` when it cannot be read (or is a directory).
    static func readFile(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes.append(contentsOf: buffer[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Parses a command-line duration: `10`, `10s`, `1.5s`, `500ms`, `2min`.
func parseDuration(_ text: String) -> Duration? {
    let units: [(String, Double)] = [("ms", 1e-3), ("min", 60), ("s", 1), ("h", 3600)]
    for (suffix, scale) in units where text.hasSuffix(suffix) {
        guard let value = Double(text.dropLast(suffix.count)), value >= 0 else { return nil }
        return .nanoseconds(Int64((value * scale * 1e9).rounded()))
    }
    guard let seconds = Double(text), seconds >= 0 else { return nil }
    return .nanoseconds(Int64((seconds * 1e9).rounded()))
}
