#if canImport(Glibc)
import Glibc
#endif
// Hands control to libFuzzer's driver, which calls LLVMFuzzerTestOneInput. (SwiftPM names the
// executable's entry point itself, so libFuzzer's own main() is not used.)
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzRTP))
