import Foundation
import MediaCore
import PipelineLanguage

enum PipelineCompilerShim {
    static func build(_ text: String, registry: NodeRegistry) throws -> Graph {
        try PipelineCompiler(registry: registry).build(text)
    }
}

final class NSLockShim: @unchecked Sendable {
    private let lock = NSLock()
    func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }
}
