import Foundation
import LoupeONNX
import LoupePipeline
import LoupeTensor
import LoupeTestSupport
import XCTest

/// A scratch folder with tiny models and config files for pipeline tests.
final class PipelineScratch {
    let folder: URL

    init(_ name: String) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// Writes x [N,3,8,8] → GlobalAveragePool → Flatten → Gemm(3 → classes) as an ONNX file.
    func writeTinyModel(_ name: String, classes: Int) throws -> String {
        var random = TestRandom(seed: UInt64(classes))
        var b = GraphBuilder()
        let pooled = b.add("GlobalAveragePool", ["x"])
        let flat = b.add("Flatten", [pooled], ["axis": .int(1)])
        b.parameter("W", random.tensor([classes, 3]))
        b.parameter("bias", random.tensor([classes]))
        _ = b.add("Gemm", [flat, "W", "bias"], ["transB": .int(1)], output: "logits")
        let graph = Graph(name: "tiny", nodes: b.nodes,
                          inputs: [ValueDeclaration(name: "x", element: .float, dimensions: [.symbolic("N"), .fixed(3), .fixed(8), .fixed(8)])],
                          outputs: [ValueDeclaration(name: "logits", element: .float, dimensions: nil)],
                          initializers: b.initializers, initializerOrder: b.initializers.keys.sorted(), opsetVersion: 17)
        let path = path(name)
        try ModelWriter.write(graph, to: path, producer: "loupe-tests")
        return path
    }

    func write(_ text: String, to name: String) throws -> String {
        let path = path(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Runs a config and returns the exit code and every log line.
    func run(_ config: String) -> (code: Int32, lines: [String]) {
        var lines = [String]()
        let log = RunLog(quiet: true, sink: { lines.append(contentsOf: $0.split(separator: "\n").map(String.init)) })
        let code = BatchRunner.run(configPath: config, log: log)
        return (code, lines)
    }

    /// Report folders written for a job (not the `latest` link).
    func runs(_ job: String, under output: String = "reports") -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path("\(output)/\(job)"))) ?? []).filter { $0 != "latest" }
    }
}

/// Runs the `loupe` executable built beside the test bundle; skips when it was not built.
func runLoupeExecutable(_ arguments: [String]) throws -> (code: Int32, stderr: String) {
    let process = Process()
    process.executableURL = try loupeExecutable()
    process.arguments = arguments
    let errors = Pipe()
    process.standardError = errors
    process.standardOutput = Pipe()
    try process.run()
    let data = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// The `loupe` executable built beside the test bundle; skips the test when it was not built.
func loupeExecutable() throws -> URL {
    let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("loupe")
    guard FileManager.default.isExecutableFile(atPath: binary.path) else {
        throw XCTSkip("loupe executable not built beside the tests (run `swift build --product loupe` first)")
    }
    return binary
}
