import Foundation
import LoupeTensor

/// The parsers that `loupe-fuzz` feeds with libFuzzer's inputs, one case per fuzz target.
///
/// The fuzz binary and the crasher replay test (`Tests/LoupeFuzzTests`) call the same `run`, so an
/// input kept in `Tests/Fixtures/crashers/<target>/` goes through exactly the code that crashed.
/// Each run sets a small memory budget first: sizes read from the input must be refused by the
/// budget checks, never allocated.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// ONNX protobuf decoding, graph validation, operator building and planning (shape inference, folding).
    case onnx
    /// NPY headers and data, NPZ archives (ZIP, deflate) and the row reader used by array datasets.
    case npy
    /// PNG and JPEG decoding with preprocessing, IDX (plain or gzip) and CIFAR binary datasets.
    case image
    /// The strict JSON parser and the job config reader.
    case config

    /// The memory budget every run sets, in megabytes: small, so a hostile size is refused quickly.
    public static let memoryLimitMegabytes = 64

    /// Feeds one input to this target's parsers and reports whether they accepted or refused it.
    ///
    /// A crash, hang or runaway allocation inside is the finding; a thrown error is the expected way
    /// to refuse an input.
    public func run(_ input: Data) -> FuzzOutcome {
        FuzzScratch.prepare()
        // The replay test shares its process with other tests: the budget is restored after each input.
        let budget = MemoryBudget.bytes
        MemoryBudget.bytes = FuzzTarget.memoryLimitMegabytes << 20
        defer { MemoryBudget.bytes = budget }
        do {
            switch self {
            case .onnx: try FuzzTarget.runModel(input)
            case .npy: try FuzzTarget.runArrays(input)
            case .image: try FuzzTarget.runImages(input)
            case .config: try FuzzTarget.runConfig(input)
            }
            return .accepted
        } catch let error as LoupeError {
            return .refused(error.description)
        } catch {
            return .refusedUntyped(String(describing: error))
        }
    }
}

/// What a fuzz target did with one input.
public enum FuzzOutcome: Equatable, Sendable {
    /// Every parser accepted the input.
    case accepted
    /// A parser refused it with a typed, one-line `LoupeError` (its description).
    case refused(String)
    /// A parser refused it with an error that is not a `LoupeError` (Loupe would not print it in the documented form).
    case refusedUntyped(String)
}

/// A private folder for the inputs that parsers read from a path (datasets, configs, NPY rows).
enum FuzzScratch {
    /// The folder, made once per process and removed at exit.
    nonisolated(unsafe) private(set) static var folder = ""

    /// Makes the scratch folder on first use.
    static func prepare() {
        guard folder.isEmpty else { return }
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-fuzz-\(getpid())")
        try? FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        folder = base.path
        atexit { try? FileManager.default.removeItem(atPath: FuzzScratch.folder) }
    }

    /// Writes `data` to `name` inside the scratch folder and returns its path.
    static func write(_ data: Data, as name: String) throws -> String {
        let path = (folder as NSString).appendingPathComponent(name)
        do {
            try data.write(to: URL(fileURLWithPath: path))
        } catch {
            throw LoupeError(.io, file: path, "cannot write the fuzz input")
        }
        return path
    }
}
