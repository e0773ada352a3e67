#if canImport(Glibc)
import Glibc
#endif

/// `*.pipeline` files under `root` (recursively), sorted.
func shippedPipelineFiles(in root: String) throws -> [String] {
    var result: [String] = []
    guard let directory = opendir(root) else { return [] }
    defer { closedir(directory) }
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name == "." || name == ".." { continue }
        let path = root + "/" + name
        if name.hasSuffix(".pipeline") {
            result.append(path)
        } else if entry.pointee.d_type == UInt8(DT_DIR) {
            result += try shippedPipelineFiles(in: path)
        }
    }
    return result.sorted()
}

/// A whole text file.
func readText(_ path: String) -> String? {
    guard let file = fopen(path, "rb") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = fread(&buffer, 1, buffer.count, file)
        if n <= 0 { break }
        bytes += buffer[0..<n]
    }
    return String(decoding: bytes, as: UTF8.self)
}
