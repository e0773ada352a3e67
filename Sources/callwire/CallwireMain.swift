import CallwireBuiltins
import CallwireCLI

/// The `callwire` executable: the CLI library with the built-in plugins. Nothing else lives here.
@main
struct CallwireMain {
    static func main() async {
        await CallwireCLI.main(plugins: BuiltinPlugins.all)
    }
}
