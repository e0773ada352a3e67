public import MediaCore
import ALSA
import Analysis
import BasicElements
import DTMF
import Flite
import G711
import G722
import GSM
import Opus
import Recognizer
import RTPNodes
import Generators
import SoundFile
import Speex
import SpeexDSP

/// The one list of plugins built into `callwire` (≈ GStreamer's `plugin_init`, baresip's
/// `static.c`). A package that adds its own processors runs
/// `CallwireCLI.main(plugins: BuiltinPlugins.all + [TheirPlugin.self])`.
public enum BuiltinPlugins {
    /// Every built-in plugin.
    public static let all: [any MediaPlugin.Type] = [
        GeneratorsPlugin.self,
        BasicElementsPlugin.self,
        G711Plugin.self,
        SoundFilePlugin.self,
        SpeexPlugin.self,
        SpeexDSPPlugin.self,
        OpusPlugin.self,
        G722Plugin.self,
        GSMPlugin.self,
        AnalysisPlugin.self,
        DTMFPlugin.self,
        ALSAPlugin.self,
        FlitePlugin.self,
        RecognizerPlugin.self,
        RTPNodesPlugin.self,
    ]

    /// A registry of the built-in node types.
    public static func registry() -> NodeRegistry {
        // The built-in names are distinct by construction (a test checks it).
        (try? NodeRegistry(plugins: all)) ?? NodeRegistry()
    }
}
