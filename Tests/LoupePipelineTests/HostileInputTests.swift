import Foundation
import LoupeONNX
import LoupeTensor
import LoupeTestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// The hostile-input suite (issue 19): every hostile file runs through the real `loupe` executable as a
/// child process, under a memory budget of 256 MB (`LOUPE_MEMORY_LIMIT_MB`), and must give exactly one
/// `error:` line with the documented exit code, within 10 s, under 500 MB peak memory (the child's
/// rusage), and leave nothing behind in its folder.
///
/// Big files are sparse (`ftruncate`) or small files that declare big sizes, so the suite stays fast in
/// debug builds. Model cases are here; images, arrays and archives in `HostileInputTests+Data.swift`;
/// reports that must finish (class names, NaN weights, long names) in `HostileInputTests+Reports.swift`.
final class HostileInputTests: XCTestCase {
    /// The budget every child runs under, and the limits of the issue's "done when".
    static let budgetMB = "256"
    static let maxSeconds = 10.0
    static let maxPeakBytes = 500 << 20

    var folder = ""

    override func setUpWithError() throws {
        folder = try makeTemporaryDirectory(self).path
    }

    func path(_ name: String) -> String { folder + "/" + name }

    func write(_ bytes: [UInt8], to name: String) throws -> String {
        try Data(bytes).write(to: URL(fileURLWithPath: path(name)))
        return path(name)
    }

    /// Every path under the scratch folder (symbolic links listed, never followed).
    func listing() -> [String] {
        var out = [String]()
        func walk(_ relative: String) {
            let full = relative.isEmpty ? folder : folder + "/" + relative
            for name in (try? FileManager.default.contentsOfDirectory(atPath: full)) ?? [] {
                let child = relative.isEmpty ? name : relative + "/" + name
                out.append(child)
                var info = stat()
                if lstat(folder + "/" + child, &info) == 0, info.st_mode & S_IFMT == S_IFDIR { walk(child) }
            }
        }
        walk("")
        return out.sorted()
    }

    /// Runs `loupe arguments` in the scratch folder under the suite's budget and checks the limits.
    @discardableResult
    func runChild(_ arguments: [String], environment: [String: String] = [:],
                  file: StaticString = #filePath, line: UInt = #line) throws -> LoupeChildRun {
        var environment = environment
        if environment["LOUPE_MEMORY_LIMIT_MB"] == nil { environment["LOUPE_MEMORY_LIMIT_MB"] = Self.budgetMB }
        let run = try LoupeChildRun.run(arguments, in: folder, environment: environment, timeout: 3 * Self.maxSeconds)
        let label = arguments.prefix(2).joined(separator: " ")
        XCTAssertFalse(run.timedOut, "\(label): still running after \(3 * Self.maxSeconds) s", file: file, line: line)
        XCTAssertLessThan(run.seconds, Self.maxSeconds, "\(label): took \(run.seconds) s", file: file, line: line)
        XCTAssertLessThan(run.peakBytes, Self.maxPeakBytes, "\(label): peak \(run.peakBytes >> 20) MB", file: file, line: line)
        XCTAssertNil(run.signal, "\(label): killed by signal \(run.signal ?? 0): \(run.stderr)", file: file, line: line)
        XCTAssertFalse(run.stderr.contains("\u{1B}") || run.stdout.contains("\u{1B}"), "\(label): an escape byte reached the terminal",
                       file: file, line: line)
        return run
    }

    /// Runs a command that must be refused: one `error:` line naming `mentions`, exit `code`, nothing written.
    func assertRefused(_ arguments: [String], code: Int32, mentions: [String] = [], environment: [String: String] = [:],
                       file: StaticString = #filePath, line: UInt = #line) throws {
        let before = listing()
        let run = try runChild(arguments, environment: environment, file: file, line: line)
        let label = arguments.prefix(2).joined(separator: " ")
        XCTAssertEqual(run.exitCode, code, "\(label): \(run.stderr)", file: file, line: line)
        XCTAssertEqual(run.stderrLines.count, 1, "\(label): one line expected on stderr: \(run.stderr.prefix(2_000))", file: file, line: line)
        let message = run.stderrLines.first ?? ""
        XCTAssertTrue(message.hasPrefix("error: "), message, file: file, line: line)
        XCTAssertLessThan(message.count, 3_000, "\(label): an error line of \(message.count) characters", file: file, line: line)
        for word in mentions {
            XCTAssertTrue(message.contains(word), "\(label): '\(message)' lacks '\(word)'", file: file, line: line)
        }
        XCTAssertEqual(listing(), before, "\(label): files were left behind", file: file, line: line)
    }

    // MARK: Models

    /// Writes a model with float input `x` of `dimensions` (first axis symbolic `N`) and output `y`.
    func writeModel(_ name: String, nodes: [Node], initializers: [String: TensorValue] = [:], dimensions: [Int],
                    output: String = "y") throws -> String {
        let graph = Graph(name: "hostile", nodes: nodes,
                          inputs: [ValueDeclaration(name: "x", element: .float, dimensions: [.symbolic("N")] + dimensions.map { .fixed($0) })],
                          outputs: [ValueDeclaration(name: output, element: .float, dimensions: nil)],
                          initializers: initializers, initializerOrder: initializers.keys.sorted(), opsetVersion: 17)
        try ModelWriter.write(graph, to: path(name), producer: "loupe-hostile-tests")
        return path(name)
    }

    func writeReluModel(_ name: String = "relu.onnx", nodeName: String = "relu") throws -> String {
        try writeModel(name, nodes: [Node(name: nodeName, opType: "Relu", inputs: ["x"], outputs: ["y"])], dimensions: [1, 4, 4])
    }

    /// `x.npy`: one 1x4x4 sample.
    func writeInput() throws -> String {
        try write(HostileFiles.npy(shape: [1, 1, 4, 4], values: (0..<16).map(Float.init)), to: "x.npy")
    }

    func testPadOfTwoToTheTwentyIsRefusedAtLoadTime() throws {
        let pads = 1 << 20
        let model = try writeModel("pad.onnx", nodes: [Node(name: "pad_big", opType: "Pad", inputs: ["x", "pads"], outputs: ["y"])],
                                   initializers: ["pads": .int(IntTensor(vector: [0, 0, pads, pads, 0, 0, pads, pads]))], dimensions: [1, 4, 4])
        _ = try writeInput()
        try assertRefused(["infer", model, "--input", "x.npy", "--output", "y.npy"], code: 3, mentions: ["pad.onnx", "pad_big", "memory budget"])
        try assertRefused(["inspect", model], code: 3, mentions: ["pad_big", "memory budget"])
    }

    func testResizeByAMillionIsRefusedAtLoadTime() throws {
        let model = try writeModel("resize.onnx", nodes: [Node(name: "resize_big", opType: "Resize", inputs: ["x", "", "scales"], outputs: ["y"],
                                                               attributes: ["mode": .string("nearest")])],
                                   initializers: ["scales": .float(Tensor(shape: [4], scalars: [1, 1, 1e6, 1e6]))], dimensions: [1, 4, 4])
        _ = try writeInput()
        try assertRefused(["infer", model, "--input", "x.npy", "--output", "y.npy"], code: 3, mentions: ["resize_big", "memory budget"])
    }

    /// (Tile is not a supported operator: a model using it is refused as unsupported before any plan.)
    func testExpandAndConvTransposeSizesAreCheckedToo() throws {
        let big = 1 << 20
        let expand = try writeModel("expand.onnx", nodes: [Node(name: "expand_big", opType: "Expand", inputs: ["x", "shape"], outputs: ["y"])],
                                    initializers: ["shape": .int(IntTensor(vector: [1, 1, big, big]))], dimensions: [1, 1, 1])
        try assertRefused(["inspect", expand], code: 3, mentions: ["expand_big", "memory budget"])
        let transpose = try writeModel("convtranspose.onnx",
                                       nodes: [Node(name: "deconv_big", opType: "ConvTranspose", inputs: ["x", "w"], outputs: ["y"],
                                                    attributes: ["strides": .ints([1 << 16, 1 << 16])])],
                                       initializers: ["w": .float(Tensor(shape: [1, 1, 3, 3], repeating: 1))], dimensions: [1, 4, 4])
        try assertRefused(["inspect", transpose], code: 3, mentions: ["deconv_big", "memory budget"])
    }

    func testMaxPoolOverTwoHundredMillionRowsIsRefusedByInspect() throws {
        let model = try writeModel("maxpool.onnx", nodes: [Node(name: "pool", opType: "MaxPool", inputs: ["x"], outputs: ["y"],
                                                                attributes: ["kernel_shape": .ints([2, 2])])],
                                   dimensions: [1, 200_000_000, 28])
        try assertRefused(["inspect", model], code: 3, mentions: ["maxpool.onnx", "'x'", "memory budget"])
    }

    func testInputDimensionOfTwoToTheThirtyOneIsRefusedQuickly() throws {
        let model = try writeModel("dim31.onnx", nodes: [Node(name: "relu", opType: "Relu", inputs: ["x"], outputs: ["y"])],
                                   dimensions: [3, 1 << 31, 4])
        try assertRefused(["inspect", model], code: 3, mentions: ["dim31.onnx", "memory budget"])
    }

    /// Creates a sparse file: `head`, then zeros up to `size` bytes (nothing is written to disk for them).
    func writeSparse(_ head: [UInt8], size: Int, to name: String) throws -> String {
        let file = try write(head, to: name)
        guard truncate(file, off_t(size)) == 0 else { throw XCTSkip("cannot make a sparse file of \(size) bytes here") }
        return file
    }

    /// A small model followed by one unknown 2.3 GB field (sparse): refused before it is read.
    func testHugeUnknownFieldIsRefusedWithoutReadingIt() throws {
        let model = [UInt8](try Data(contentsOf: URL(fileURLWithPath: try writeReluModel())))
        let length = 2_300_000_000
        let head = model + HostileFiles.varint(UInt64(99 << 3 | 2)) + HostileFiles.varint(UInt64(length))
        let huge = try writeSparse(head, size: head.count + length, to: "huge_unknown.onnx")
        try assertRefused(["inspect", huge], code: 3, mentions: ["huge_unknown.onnx", "memory budget"])
        // Under a budget that holds the file, the unknown field itself is refused.
        try assertRefused(["inspect", huge, "--memory-limit", "4096"], code: 3, mentions: ["model field 99", "unknown field"],
                          environment: ["LOUPE_MEMORY_LIMIT_MB": "4096"])
        // A 2 MB unknown field fits any budget and is still refused.
        let small = try write(model + HostileFiles.field(99, [UInt8](repeating: 0, count: 2 << 20)), to: "unknown_2mb.onnx")
        try assertRefused(["inspect", small], code: 3, mentions: ["unknown_2mb.onnx", "unknown field of 2097152 bytes"])
    }

    /// The same 2.3 GB as an unused initializer: refused from the file size, not after reading it.
    func testHugeUnusedInitializerIsRefusedFromTheFileSize() throws {
        let model = [UInt8](try Data(contentsOf: URL(fileURLWithPath: try writeReluModel())))
        let length = 2_300_000_000
        let tensorHead = HostileFiles.field(8, Array("big".utf8)) + HostileFiles.field(1, varint: UInt64(length / 4))
            + HostileFiles.field(2, varint: 1) + HostileFiles.varint(UInt64(9 << 3 | 2)) + HostileFiles.varint(UInt64(length))
        let tensorSize = tensorHead.count + length
        let initializerHead = HostileFiles.varint(UInt64(5 << 3 | 2)) + HostileFiles.varint(UInt64(tensorSize)) + tensorHead
        let fields = HostileFiles.fields(model)
        let graphPayload = fields.first { $0.number == 7 }.map { payload(of: $0.bytes) } ?? []
        let graphSize = graphPayload.count + initializerHead.count + length
        let head = fields.filter { $0.number != 7 }.flatMap(\.bytes) + HostileFiles.varint(UInt64(7 << 3 | 2))
            + HostileFiles.varint(UInt64(graphSize)) + graphPayload + initializerHead
        let huge = try writeSparse(head, size: head.count + length, to: "huge_initializer.onnx")
        try assertRefused(["inspect", huge], code: 3, mentions: ["huge_initializer.onnx", "memory budget"])
    }

    /// The payload of one encoded length-delimited field.
    func payload(of field: [UInt8]) -> [UInt8] {
        var offset = 0
        for _ in 0..<2 { while field[offset] & 0x80 != 0 { offset += 1 }; offset += 1 }
        return Array(field[offset...])
    }

    func testIRVersionZeroAndOpsetOutOfRangeAreRefused() throws {
        let model = [UInt8](try Data(contentsOf: URL(fileURLWithPath: try writeReluModel())))
        let irZero = try write(HostileFiles.replacingField(1, in: model, with: HostileFiles.field(1, varint: 0)), to: "ir0.onnx")
        try assertRefused(["inspect", irZero], code: 3, mentions: ["ir0.onnx", "IR version 0"])
        let opset = HostileFiles.field(8, HostileFiles.field(2, varint: 99_999))
        let future = try write(HostileFiles.replacingField(8, in: model, with: opset), to: "opset99999.onnx")
        try assertRefused(["inspect", future], code: 3, mentions: ["opset99999.onnx", "99999"])
    }

    /// External data whose location is a named pipe: refused at once, never waited on.
    func testExternalDataFromAFIFOIsRefusedWithoutBlocking() throws {
        let model = path("ext.onnx")
        try FileManager.default.copyItem(atPath: Fixtures.path("hostile", "ext_past_end.onnx"), toPath: model)
        guard mkfifo(path("tiny.bin"), 0o600) == 0 else { throw XCTSkip("mkfifo is not allowed here") }
        try assertRefused(["inspect", model], code: 3, mentions: ["ext.onnx", "past_w", "not a regular file"])
    }

    /// Names with control characters and 5,000 characters: `inspect` prints them escaped and cut, never raw.
    func testInspectEscapesAndShortensNames() throws {
        let evil = "evil\u{1B}]0;owned\u{07}\nnode\u{202E}gnp.exe"
        let long = String(repeating: "n", count: 5_000)
        let model = try writeModel("names.onnx", nodes: [Node(name: evil, opType: "Relu", inputs: ["x"], outputs: ["r"]),
                                                         Node(name: long, opType: "Relu", inputs: ["r"], outputs: ["y"])],
                                   dimensions: [1, 4, 4])
        for arguments in [["inspect", model], ["inspect", model, "--json"]] {
            let run = try runChild(arguments)
            XCTAssertEqual(run.exitCode, 0, run.stderr)
            let lines = run.stdout.split(separator: "\n")
            XCTAssertLessThan(lines.map(\.count).max() ?? 0, 400, "inspect printed a line of \(lines.map(\.count).max() ?? 0) characters")
            XCTAssertFalse(run.stdout.unicodeScalars.contains { $0 == "\u{07}" || $0 == "\u{202E}" }, run.stdout)
            XCTAssertTrue(run.stdout.contains("\\u{202E}"), run.stdout)
        }
    }

    // MARK: Configs

    func testBrokenConfigsAreRefusedWithOneLine() throws {
        _ = try writeReluModel()
        let job = #""model": {"path": "relu.onnx"}, "dataset": {"kind": "synthetic-shapes", "count": 10}"#
        let cases = [("duplicate.json", #"{"jobs": [{"name": "a", "name": "b", \#(job)}]}"#, "duplicate"),
                     ("trailing.json", #"{"jobs": [{"name": "a", \#(job)},]}"#, "line 1"),
                     ("empty_name.json", #"{"jobs": [{"name": "", \#(job)}]}"#, "name")]
        for (name, text, mention) in cases {
            _ = try write(Array(text.utf8), to: name)
            try assertRefused(["validate", name], code: 78, mentions: [name, mention])
        }
        try FileManager.default.createDirectory(atPath: path("folder.json"), withIntermediateDirectories: false)
        try assertRefused(["validate", "folder.json"], code: 5, mentions: ["folder.json"])
        guard mkfifo(path("fifo.json"), 0o600) == 0 else { throw XCTSkip("mkfifo is not allowed here") }
        try assertRefused(["run", "fifo.json"], code: 5, mentions: ["fifo.json", "not a regular file"])
    }

    /// `--memory-limit` is the budget: the same model passes with the default and is refused under 1 MB.
    func testMemoryLimitFlagSetsTheBudget() throws {
        let model = try writeModel("relu64.onnx", nodes: [Node(name: "relu", opType: "Relu", inputs: ["x"], outputs: ["y"])],
                                   dimensions: [3, 512, 512])
        XCTAssertEqual(try runChild(["inspect", model]).exitCode, 0)
        try assertRefused(["inspect", model, "--memory-limit", "1"], code: 3, mentions: ["memory budget of 1048576 bytes"])
        try assertRefused(["inspect", model, "--memory-limit", "0"], code: 2, mentions: ["--memory-limit"])
        // A job's memory_limit_mb is its budget, over the command line's.
        let job = #""model": {"path": "relu64.onnx"}, "dataset": {"kind": "synthetic-shapes", "count": 10}"#
        _ = try write(Array(#"{"jobs": [{"name": "tight", "memory_limit_mb": 1, \#(job)}]}"#.utf8), to: "tight.json")
        try assertRefused(["validate", "tight.json", "--memory-limit", "4096"], code: 1, mentions: ["relu64.onnx", "memory budget of 1048576 bytes"])
        _ = try write(Array(#"{"jobs": [{"name": "roomy", "memory_limit_mb": 4096, \#(job)}]}"#.utf8), to: "roomy.json")
        let roomy = try runChild(["validate", "roomy.json", "--memory-limit", "1"])
        XCTAssertFalse(roomy.stderr.contains("memory budget"), roomy.stderr)
    }
}
