// swift-tools-version:5.10
// Loupe: a report on what an image classifier learned.
// This manifest is the table of contents: system shims first, then the layers bottom-up.
import PackageDescription

#if arch(x86_64)
/// Numeric targets are compiled for the AVX2+FMA baseline (Haswell, 2013 and later); see README "CPU".
/// They are optimised in debug builds too, so the test suite runs real models quickly.
let numericFlags: [SwiftSetting] = [.unsafeFlags(["-Ounchecked", "-target-cpu", "haswell"], .when(configuration: .release)),
                                     .unsafeFlags(["-O", "-target-cpu", "haswell"], .when(configuration: .debug))]
#else
let numericFlags: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"], .when(configuration: .release)),
                                     .unsafeFlags(["-O"], .when(configuration: .debug))]
#endif

let package = Package(
    name: "Loupe",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "loupe", targets: ["loupe"]),
        // libFuzzer targets; a real fuzz build only through scripts/fuzz.sh (see docs/fuzzing.md).
        .executable(name: "loupe-fuzz", targets: ["loupe-fuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", exact: "2.1.1"),
    ],
    targets: [
        // System-library shims: a modulemap and a header each, nothing else.
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CCairo", pkgConfig: "pangocairo", providers: [.apt(["libcairo2-dev", "libpango1.0-dev", "libpng-dev"])]),
        .systemLibrary(name: "CJPEG", providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        // oneDNN's C API (convolution kernels; GNU OpenMP inside).
        .systemLibrary(name: "CDNNL", providers: [.apt(["libdnnl-dev"])]),
        // glibc's mallopt, for the executable's allocator tuning (no library to link).
        .systemLibrary(name: "CMalloc"),

        // Tensors and kernels; NPY/NPZ.
        .target(name: "LoupeTensor", dependencies: ["CBLAS", "CZlib", "CDNNL"], swiftSettings: numericFlags),
        // ONNX schema (generated), graph IR, loader, writer.
        .target(name: "LoupeONNX", dependencies: ["LoupeTensor", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
                exclude: ["Schema/onnx.proto"],
                swiftSettings: numericFlags),
        // Op registry (one file per op: forward + backward), executor with taps, reverse mode.
        .target(name: "LoupeEngine", dependencies: ["LoupeTensor", "LoupeONNX"], swiftSettings: numericFlags),
        // Datasets and image codecs.
        .target(name: "LoupeData", dependencies: ["LoupeTensor", "CCairo", "CJPEG", "CZlib"], swiftSettings: numericFlags),
        // The 19 common corruptions.
        .target(name: "LoupeCorruptions", dependencies: ["LoupeTensor", "CJPEG"], swiftSettings: numericFlags),
        // Attribution, statistics, evaluation and robustness metrics, sanity checks, embeddings: numbers only.
        .target(name: "LoupeAnalysis", dependencies: ["LoupeTensor", "LoupeONNX", "LoupeEngine", "LoupeCorruptions", "CBLAS"],
                swiftSettings: numericFlags),
        // Document model, layout, charts, templates; draws through the Canvas protocol only.
        .target(name: "LoupeReport", dependencies: [.product(name: "Mustache", package: "swift-mustache")]),
        // The ~30-page sample report that shows every block type (`loupe render-sample`); not part of a job's report.
        .target(name: "LoupeReportSample", dependencies: ["LoupeReport"]),
        // The Cairo/Pango canvas: the only target that draws.
        .target(name: "LoupeReportCairo", dependencies: ["LoupeReport", "CCairo"]),
        // Config, jobs, sections (prose from Templates/), commands, run folders.
        .target(name: "LoupePipeline", dependencies: ["LoupeTensor", "LoupeONNX", "LoupeEngine", "LoupeData",
                                                       "LoupeCorruptions", "LoupeAnalysis", "LoupeReport", "LoupeReportCairo",
                                                       "LoupeReportSample"]),
        // The command line: argument parsing only.
        .executableTarget(name: "loupe", dependencies: ["LoupePipeline", "LoupeCorruptions", "CMalloc", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // What the fuzz targets feed each input through (ONNX + planner, NPY/NPZ, images/IDX/CIFAR, config),
        // shared by the libFuzzer binary and the crasher replay test.
        .target(name: "LoupeFuzzEntries", dependencies: ["LoupeTensor", "LoupeEngine", "LoupeData", "LoupePipeline"]),
        // The libFuzzer binary: a thin `LLVMFuzzerTestOneInput` over LoupeFuzzEntries when built with -DLOUPE_FUZZ.
        .executableTarget(name: "loupe-fuzz", dependencies: ["LoupeFuzzEntries"]),

        // Test helpers: tolerances, finite differences, fixture lookup, temporary folders, errors, LOUPE_PYTHON.
        .target(name: "LoupeTestSupport", dependencies: ["LoupeTensor", "LoupeONNX", "LoupeEngine"], path: "Tests/LoupeTestSupport"),
        // Test helper for layout: a canvas that records what is drawn.
        .target(name: "LoupeReportTestSupport", dependencies: ["LoupeReport"], path: "Tests/LoupeReportTestSupport"),
        .testTarget(name: "LoupeTensorTests", dependencies: ["LoupeTensor", "LoupeTestSupport"]),
        .testTarget(name: "LoupeONNXTests", dependencies: ["LoupeONNX", "LoupeTensor", "LoupeTestSupport",
                                                       .product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        .testTarget(name: "LoupeEngineTests", dependencies: ["LoupeEngine", "LoupeONNX", "LoupeTensor", "LoupeTestSupport"]),
        .testTarget(name: "LoupeDataTests", dependencies: ["LoupeData", "LoupeTensor", "LoupeTestSupport"]),
        .testTarget(name: "LoupeCorruptionsTests", dependencies: ["LoupeCorruptions", "LoupeData", "LoupeTestSupport"]),
        .testTarget(name: "LoupeAnalysisTests", dependencies: ["LoupeAnalysis", "LoupeEngine", "LoupeONNX", "LoupeTensor", "LoupeCorruptions",
                                                         "LoupeTestSupport"]),
        .testTarget(name: "LoupePipelineTests", dependencies: ["LoupePipeline", "LoupeTensor", "LoupeONNX", "LoupeEngine", "LoupeData",
                                                           "LoupeCorruptions", "LoupeAnalysis", "LoupeReport", "LoupeReportCairo",
                                                           "LoupeTestSupport", "LoupeReportTestSupport"]),
        .testTarget(name: "LoupeFuzzTests", dependencies: ["LoupeFuzzEntries", "LoupeTestSupport"]),
        .testTarget(name: "LoupeReportTests", dependencies: ["LoupeReport", "LoupeReportCairo", "LoupeReportSample", "LoupeReportTestSupport", "CCairo"],
                    exclude: ["Golden"]),
    ]
)
