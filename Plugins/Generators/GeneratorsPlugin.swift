public import MediaCore

/// Sources that synthesize test signals.
public enum GeneratorsPlugin: MediaPlugin {
    public static let name = "generators"
    public static let nodeTypes: [any MediaNode.Type] = [SineSource.self, SilenceSource.self]
}
