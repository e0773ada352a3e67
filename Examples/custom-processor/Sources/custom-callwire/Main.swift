import CallwireBuiltins
import CallwireCLI
import RingModulator

/// The whole `callwire` command line, with one more node type.
@main
struct CustomCallwire {
    static func main() async {
        await CallwireCLI.main(plugins: BuiltinPlugins.all + [RingModulatorPlugin.self])
    }
}
