// The libFuzzer binary: `scripts/fuzz.sh TARGET SECONDS` builds it with `--sanitize fuzzer` and
// `-DLOUPE_FUZZ` and chooses the target with LOUPE_FUZZ_TARGET. In an ordinary build it only
// says how to run it, so `swift build` and `swift test` need no fuzzer runtime.
import Foundation
import LoupeFuzzEntries

#if LOUPE_FUZZ
/// The target named by LOUPE_FUZZ_TARGET, read on the first input.
nonisolated(unsafe) private var selectedTarget: FuzzTarget?

/// libFuzzer's entry point: one input through the selected target's parsers.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    if selectedTarget == nil {
        let name = ProcessInfo.processInfo.environment["LOUPE_FUZZ_TARGET"] ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
            FileHandle.standardError.write(Data("error: LOUPE_FUZZ_TARGET must be one of \(names), got '\(name)'\n".utf8))
            exit(2)
        }
        selectedTarget = target
    }
    let input = data.map { Data(bytes: $0, count: size) } ?? Data()
    _ = selectedTarget?.run(input)
    return 0
}
#else
/// Without the fuzzer runtime: explains how to build and run the fuzz targets.
@main
enum FuzzEntryPoint {
    static func main() {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: " | ")
        print("loupe-fuzz is built for fuzzing by scripts/fuzz.sh: bash scripts/fuzz.sh <\(names)> SECONDS")
        exit(64)
    }
}
#endif
