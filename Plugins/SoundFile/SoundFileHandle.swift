import CSndFile
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open libsndfile handle, closed exactly once.
///
/// Confined to the graph's executor like the node that owns it.
final class SoundFileHandle {
    let path: String
    private(set) var handle: OpaquePointer?
    let info: SF_INFO

    /// Opens `path` for reading.
    init(reading path: String) throws(SoundFileError) {
        self.path = path
        var info = SF_INFO()
        guard let handle = sf_open(path, Int32(SFM_READ), &info) else {
            throw SoundFileError("cannot open '\(path)' for reading: \(Self.lastError())")
        }
        self.handle = handle
        self.info = info
    }

    /// Creates (or truncates) `path` for writing, creating missing parent directories.
    init(writing path: String, format: Int32, sampleRate: Int, channels: Int) throws(SoundFileError) {
        self.path = path
        Self.makeParentDirectories(of: path)
        var info = SF_INFO()
        info.samplerate = Int32(sampleRate)
        info.channels = Int32(channels)
        info.format = format
        guard sf_format_check(&info) == Int32(SF_TRUE) else {
            throw SoundFileError("'\(path)': this container cannot hold \(channels) channel(s) at \(sampleRate) Hz in the chosen encoding")
        }
        guard let handle = sf_open(path, Int32(SFM_WRITE), &info) else {
            throw SoundFileError("cannot create '\(path)': \(Self.lastError())")
        }
        self.handle = handle
        self.info = info
        // Rewrite the header after every write: a killed process still leaves a valid file.
        sf_command(handle, Int32(SFC_SET_UPDATE_HEADER_AUTO), nil, Int32(SF_TRUE))
    }

    deinit { close() }

    func close() {
        if let handle {
            sf_close(handle)
            self.handle = nil
        }
    }

    /// Reads up to `frames` multichannel frames; returns how many were read.
    func read(into buffer: UnsafeMutablePointer<Int16>, frames: Int) -> Int {
        guard let handle else { return 0 }
        return Int(sf_readf_short(handle, buffer, sf_count_t(frames)))
    }

    /// Rewinds to the first frame.
    func rewind() -> Bool {
        guard let handle else { return false }
        return sf_seek(handle, 0, SEEK_SET) == 0
    }

    /// Writes `frames` multichannel frames.
    func write(_ buffer: UnsafePointer<Int16>, frames: Int) throws(SoundFileError) {
        guard let handle else { return }
        let written = sf_writef_short(handle, buffer, sf_count_t(frames))
        if written != frames {
            throw SoundFileError("writing '\(path)' failed: \(String(cString: sf_strerror(handle)))")
        }
    }

    static func lastError() -> String { String(cString: sf_strerror(nil)) }

    static func makeParentDirectories(of path: String) {
        var components = path.split(separator: "/", omittingEmptySubsequences: false).dropLast()
        guard !components.isEmpty else { return }
        var prefix = path.hasPrefix("/") ? "" : "."
        if path.hasPrefix("/") { components = components.dropFirst() }
        for component in components where !component.isEmpty {
            prefix += "/" + component
            _ = mkdir(prefix, 0o755)
        }
    }
}

/// A libsndfile failure, with the file name.
struct SoundFileError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
