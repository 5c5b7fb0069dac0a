import Foundation
import LoupeONNX
import LoupeTensor
import LoupeTestSupport
import XCTest

final class ExternalDataTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = try makeTemporaryDirectory(self)
    }

    /// A float tensor of `count` elements stored externally with the given keys.
    private func externalTensor(_ name: String, count: Int64, _ keys: [(String, String)]) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dims = [count]
        t.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        t.dataLocation = .external
        t.externalData = keys.map { key, value in
            var entry = Onnx_StringStringEntryProto()
            entry.key = key
            entry.value = value
            return entry
        }
        return t
    }

    /// Writes the model into the temporary folder and loads it from disk.
    @discardableResult
    private func load(_ tensor: Onnx_TensorProto, modelName: String = "model.onnx") throws -> Graph {
        let path = folder.appendingPathComponent(modelName).path
        try Build.relu { $0.graph.initializer = [tensor] }.bytes().write(to: URL(fileURLWithPath: path))
        return try ModelLoader.load(path: path)
    }

    private func writeWeights(_ values: [Float], to name: String, prefix: Int = 0) throws {
        var data = Data(repeating: 0xAB, count: prefix)
        values.withUnsafeBufferPointer { data.append(Data(buffer: $0)) }
        try data.write(to: folder.appendingPathComponent(name))
    }

    func testValidExternalDataLoads() throws {
        try writeWeights([1, 2, 3, 4, 5], to: "weights.bin", prefix: 3)
        let middle = externalTensor("w", count: 2, [("location", "weights.bin"), ("offset", "7"), ("length", "8"), ("checksum", "ignored")])
        let graph = try load(middle)
        XCTAssertEqual(graph.initializers["w"], .float(Tensor(shape: [2], scalars: [2, 3])))
        // Without offset and length the tensor is the whole file; subfolders are fine.
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("data"), withIntermediateDirectories: true)
        try writeWeights([7, 8], to: "data/all.bin")
        let whole = try load(externalTensor("v", count: 2, [("location", "data/all.bin")]))
        XCTAssertEqual(whole.initializers["v"], .float(Tensor(shape: [2], scalars: [7, 8])))
        // A symlink that stays inside the folder is allowed.
        try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("link.bin").path, withDestinationPath: "data/all.bin")
        XCTAssertEqual(try load(externalTensor("v", count: 2, [("location", "link.bin")])).initializers["v"],
                       .float(Tensor(shape: [2], scalars: [7, 8])))
    }

    func testAbsoluteLocationIsRefused() throws {
        try writeWeights([1], to: "w.bin")
        let path = folder.appendingPathComponent("w.bin").path
        assertModelError(try load(externalTensor("w", count: 1, [("location", path)])),
                         contains: ["model.onnx", "initializer 'w'", "absolute location"])
    }

    func testParentComponentIsRefused() throws {
        for location in ["../w.bin", "sub/../w.bin", "sub\\..\\w.bin", ".."] {
            assertModelError(try load(externalTensor("w", count: 1, [("location", location)])),
                             contains: ["model.onnx", "initializer 'w'", "'..'"])
        }
        assertModelError(try load(externalTensor("w", count: 1, [("location", "")])), contains: ["initializer 'w'", "empty or missing location"])
        assertModelError(try load(externalTensor("w", count: 1, [])), contains: ["initializer 'w'", "empty or missing location"])
        assertModelError(try load(externalTensor("w", count: 1, [("location", "absent.bin")])), contains: ["initializer 'w'", "cannot open 'absent.bin'"])
    }

    func testSymlinkLeavingTheFolderIsRefused() throws {
        let outside = try makeTemporaryDirectory(self)
        let secret = outside.appendingPathComponent("secret.bin")
        try Data(repeating: 1, count: 4).write(to: secret)
        try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("escape.bin").path, withDestinationPath: secret.path)
        assertModelError(try load(externalTensor("w", count: 1, [("location", "escape.bin")])),
                         contains: ["model.onnx", "initializer 'w'", "resolves outside the model folder"])
        // A symlinked directory leading out is refused the same way.
        try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("dir").path, withDestinationPath: outside.path)
        assertModelError(try load(externalTensor("w", count: 1, [("location", "dir/secret.bin")])),
                         contains: ["initializer 'w'", "resolves outside the model folder"])
    }

    func testHardLinkIsRefused() throws {
        let outside = try makeTemporaryDirectory(self)
        let secret = outside.appendingPathComponent("secret.bin")
        try Data(repeating: 1, count: 4).write(to: secret)
        let linked = folder.appendingPathComponent("linked.bin")
        guard link(secret.path, linked.path) == 0 else { throw XCTSkip("cannot create hard links here (errno \(errno))") }
        assertModelError(try load(externalTensor("w", count: 1, [("location", "linked.bin")])),
                         contains: ["model.onnx", "initializer 'w'", "2 hard links"])
    }

    func testNonRegularFileIsRefused() throws {
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("sub"), withIntermediateDirectories: true)
        assertModelError(try load(externalTensor("w", count: 1, [("location", "sub")])), contains: ["initializer 'w'", "not a regular file"])
    }

    /// A named pipe as external data is refused at once: opening it for reading must not wait for a writer.
    func testNamedPipeIsRefusedWithoutBlocking() throws {
        let pipe = folder.appendingPathComponent("pipe.bin")
        guard mkfifo(pipe.path, 0o600) == 0 else { throw XCTSkip("cannot create a FIFO here (errno \(errno))") }
        assertModelError(try load(externalTensor("w", count: 1, [("location", "pipe.bin")])), contains: ["initializer 'w'", "not a regular file"])
    }

    func testOffsetAndLengthPastTheEndAreRefused() throws {
        try writeWeights([1, 2], to: "w.bin")
        assertModelError(try load(externalTensor("w", count: 1, [("location", "w.bin"), ("offset", "9")])),
                         contains: ["model.onnx", "initializer 'w'", "offset 9 is past the end"])
        assertModelError(try load(externalTensor("w", count: 2, [("location", "w.bin"), ("offset", "4"), ("length", "8")])),
                         contains: ["initializer 'w'", "offset 4 + length 8 is past the end"])
        assertModelError(try load(externalTensor("w", count: 2, [("location", "w.bin"), ("offset", "4"), ("length", "4")])),
                         contains: ["initializer 'w'", "length 4 does not match the 8 bytes"])
        assertModelError(try load(externalTensor("w", count: 1, [("location", "w.bin")])),
                         contains: ["initializer 'w'", "length 8 does not match the 4 bytes"])
        assertModelError(try load(externalTensor("w", count: 1, [("location", "w.bin"), ("offset", "-4")])),
                         contains: ["initializer 'w'", "invalid offset '-4'"])
        assertModelError(try load(externalTensor("w", count: 1, [("location", "w.bin"), ("length", "99999999999999999999999")])),
                         contains: ["initializer 'w'", "invalid length"])
    }
}
