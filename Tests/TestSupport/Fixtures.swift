public import Foundation

/// The conformance data the tests read, committed under `Tests/Fixtures/` and copied byte for
/// byte from its public sources (each folder's README names them; `SHA256SUMS` checks them).
///
/// Every test target finds its data through this one type, so no test works a path out on its own
/// and nothing outside the repository is read.
///
/// ```swift
/// let bytes = try Fixtures.bytes("rfc4475/esc01.dat")
/// for file in try Fixtures.files(in: "captures", suffix: ".cap") { … }
/// ```
public enum Fixtures {
    /// `Tests/Fixtures` in this checkout.
    public static let root: URL = repositoryRoot.appendingPathComponent("Tests/Fixtures")

    /// The checkout's top folder (where `Package.swift` is).
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The URL of `path`, relative to `Tests/Fixtures`.
    public static func url(_ path: String) -> URL { root.appendingPathComponent(path) }

    /// The bytes of `path`, relative to `Tests/Fixtures`.
    /// - Throws: ``FixtureError`` naming the file when it is missing.
    public static func bytes(_ path: String) throws(FixtureError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: url(path).path) else {
            throw FixtureError("fixture \(url(path).path) is missing (it is part of the repository: is the checkout complete?)")
        }
        return [UInt8](data)
    }

    /// The text of `path` (UTF-8).
    public static func text(_ path: String) throws(FixtureError) -> String {
        String(decoding: try bytes(path), as: UTF8.self)
    }

    /// The names of the files in `folder` (relative to `Tests/Fixtures`, or absolute), sorted,
    /// that end in `suffix`.
    /// - Throws: ``FixtureError`` when the folder is missing or holds no such file, so a test whose
    ///   cases come from a folder can never pass by running none.
    public static func files(in folder: String, suffix: String = "") throws(FixtureError) -> [String] {
        let directory = folder.hasPrefix("/") ? URL(fileURLWithPath: folder) : url(folder)
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw FixtureError("folder \(directory.path) is missing")
        }
        let matching = names.filter { $0.hasSuffix(suffix) && !$0.hasPrefix(".") }.sorted()
        guard !matching.isEmpty else { throw FixtureError("folder \(directory.path) holds no \(suffix.isEmpty ? "file" : suffix + " file")") }
        return matching
    }
}

/// Cases for a parameterized test that come from data: either the cases, or one case that fails
/// with the reason the data could not be read. An empty or missing folder therefore fails a test
/// instead of silently running zero cases.
public enum FixtureCase<Value: Sendable>: Sendable, CustomStringConvertible {
    case value(Value)
    case unavailable(String)

    /// The value, or the failure that explains why the data is not there.
    public func get() throws(FixtureError) -> Value {
        switch self {
        case .value(let value): return value
        case .unavailable(let reason): throw FixtureError(reason)
        }
    }

    /// Builds the cases from `load`, turning any error into one failing case.
    public static func list(_ load: () throws -> [Value]) -> [FixtureCase] {
        do {
            let values = try load()
            return values.isEmpty ? [.unavailable("the fixture list is empty")] : values.map(FixtureCase.value)
        } catch {
            return [.unavailable("\(error)")]
        }
    }

    public var description: String {
        switch self {
        case .value(let value): "\(value)"
        case .unavailable(let reason): "unavailable: \(reason)"
        }
    }
}

/// A fixture that is not where the repository keeps it.
public struct FixtureError: Error, CustomStringConvertible {
    public var description: String
    /// - Parameter description: what is missing, with its path.
    public init(_ description: String) { self.description = description }
}
