import Foundation
import LoupeONNX
import LoupeTensor
import XCTest

final class ModelRefusalTests: XCTestCase {
    func testTruncatedAndGarbledBytesAreRefused() {
        var model = Build.relu()
        model.graph.initializer = [Build.floatTensor("w", [64], [Float](repeating: 1, count: 64))]
        let bytes = model.bytes()
        for cut in [1, 7, bytes.count / 3, bytes.count / 2, bytes.count - 1] {
            do {
                _ = try ModelLoader.load(data: bytes.prefix(cut), path: "cut.onnx")
                XCTFail("a model cut to \(cut) of \(bytes.count) bytes loaded")
            } catch let error as LoupeError {
                XCTAssertTrue(error.description.hasPrefix("cut.onnx: "), error.description)
                XCTAssertEqual(error.kind, .invalidModel)
            } catch {
                XCTFail("unexpected error \(error)")
            }
        }
        assertModelError(try ModelLoader.load(data: Data(bytes.prefix(bytes.count - 1)), path: "cut.onnx"),
                         contains: ["cut.onnx", "protobuf", "truncated"])
        var garbage = TestBytes(seed: 7)
        for _ in 0..<50 {
            let data = garbage.next(count: 200)
            XCTAssertThrowsError(try ModelLoader.load(data: data, path: "junk.onnx"))
        }
        assertModelError(try ModelLoader.load(data: Data(), path: "empty.onnx"), contains: ["empty.onnx", "model", "no graph"])
    }

    func testCyclicGraphIsRefused() {
        let model = Build.model(nodes: [Build.node("a", "Add", ["x", "c"], ["a"]), Build.node("b", "Relu", ["a"], ["b"]),
                                        Build.node("c", "Neg", ["b"], ["c"]), Build.node("tail", "Relu", ["c"], ["y"])],
                                inputs: [Build.value("x")], outputs: [Build.value("y")])
        assertModelError(try loadModel(model, path: "cycle.onnx"), contains: ["cycle.onnx", "cycle"])
        do {
            _ = try loadModel(model, path: "cycle.onnx")
        } catch let error as LoupeError {
            XCTAssertTrue(["node 'a' (Add)", "node 'b' (Relu)", "node 'c' (Neg)"].contains(error.location), error.description)
        } catch { XCTFail("\(error)") }
        let selfLoop = Build.model(nodes: [Build.node("s", "Add", ["x", "s"], ["s"])], inputs: [Build.value("x")], outputs: [Build.value("s")])
        assertModelError(try loadModel(selfLoop, path: "self.onnx"), contains: ["self.onnx", "node 's' (Add)", "cycle"])
    }

    func testDuplicateOutputsNameBothNodes() {
        let model = Build.model(nodes: [Build.node("first", "Relu", ["x"], ["v"]), Build.node("second", "Neg", ["x"], ["v"])],
                                inputs: [Build.value("x")], outputs: [Build.value("v")])
        assertModelError(try loadModel(model, path: "dup.onnx"), contains: ["dup.onnx", "node 'second' (Neg)", "'v'", "node 'first' (Relu)"])
        let shadow = Build.model(nodes: [Build.node("n", "Relu", ["x"], ["x"])], inputs: [Build.value("x")], outputs: [Build.value("x")])
        assertModelError(try loadModel(shadow, path: "dup.onnx"), contains: ["dup.onnx", "node 'n' (Relu)", "'x'", "graph input"])
        var twice = Build.relu()
        twice.graph.initializer = [Build.floatTensor("w", [1], [1]), Build.floatTensor("w", [1], [2])]
        assertModelError(try loadModel(twice, path: "dup.onnx"), contains: ["dup.onnx", "initializer 'w'", "twice"])
    }

    func testUndefinedInputIsRefused() {
        let model = Build.model(nodes: [Build.node("add", "Add", ["x", "ghost"], ["y"])], inputs: [Build.value("x")], outputs: [Build.value("y")])
        assertModelError(try loadModel(model, path: "undef.onnx"), contains: ["undef.onnx", "node 'add' (Add)", "input 'ghost'", "not defined"])
        let missingOutput = Build.relu { $0.graph.output = [Build.value("nowhere")] }
        assertModelError(try loadModel(missingOutput, path: "undef.onnx"), contains: ["undef.onnx", "graph output 'nowhere'"])
    }

    private func modelWith(_ tensor: Onnx_TensorProto) -> Onnx_ModelProto {
        Build.relu { $0.graph.initializer = [tensor] }
    }

    func testRawDataSizeMismatchIsRefused() {
        let tensor = Build.rawTensor("w", .float, [2, 2], [UInt8](repeating: 0, count: 15))
        assertModelError(try loadModel(modelWith(tensor), path: "raw.onnx"),
                         contains: ["raw.onnx", "initializer 'w'", "raw_data has 15 bytes", "need 16"])
        var typed = Build.floatTensor("t", [3], [1, 2], raw: false)
        assertModelError(try loadModel(modelWith(typed), path: "raw.onnx"), contains: ["raw.onnx", "initializer 't'", "float_data has 2 values", "need 3"])
        typed = Build.int64Tensor("i", [2], [1])
        assertModelError(try loadModel(modelWith(typed), path: "raw.onnx"), contains: ["initializer 'i'", "int64_data has 1 values"])
    }

    func testNegativeAndOverflowingDimsAreRefused() {
        let negative = Build.rawTensor("neg", .float, [2, -1], [])
        assertModelError(try loadModel(modelWith(negative), path: "dims.onnx"), contains: ["dims.onnx", "initializer 'neg'", "negative dimension -1"])
        let overflow = Build.rawTensor("huge", .float, [1 << 32, 1 << 32], [])
        assertModelError(try loadModel(modelWith(overflow), path: "dims.onnx"), contains: ["dims.onnx", "initializer 'huge'", "overflow"])
        let bytesOverflow = Build.rawTensor("wide", .double, [1 << 61], [])
        assertModelError(try loadModel(modelWith(bytesOverflow), path: "dims.onnx"), contains: ["initializer 'wide'", "bytes"])
        // Large but representable: refused by the size check, never allocated.
        let large = Build.rawTensor("large", .float, [1 << 20, 1 << 20], [0, 0, 0, 0])
        assertModelError(try loadModel(modelWith(large), path: "dims.onnx"), contains: ["initializer 'large'", "raw_data has 4 bytes"])
        var declared = Build.relu()
        declared.graph.input = [Build.value("x", .float, [-3])]
        assertModelError(try loadModel(declared, path: "dims.onnx"), contains: ["graph input 'x'", "negative dimension -3"])
    }

    func testUnsupportedTensorTypesAreRefused() {
        var strings = Onnx_TensorProto()
        strings.name = "labels"
        strings.dims = [1]
        strings.dataType = Int32(Onnx_TensorProto.DataType.string.rawValue)
        strings.stringData = [Data("cat".utf8)]
        assertModelError(try loadModel(modelWith(strings), path: "s.onnx"), contains: ["s.onnx", "initializer 'labels'", "STRING"])
        let complex = Build.rawTensor("z", .complex64, [1], [UInt8](repeating: 0, count: 8))
        assertModelError(try loadModel(modelWith(complex), path: "s.onnx"), contains: ["initializer 'z'", "COMPLEX64"])
        var unknown = complex
        unknown.dataType = 99
        assertModelError(try loadModel(modelWith(unknown), path: "s.onnx"), contains: ["initializer 'z'", "unknown data type 99"])
        let stringInput = Build.relu { $0.graph.input = [Build.value("x", .string, [1])] }
        assertModelError(try loadModel(stringInput, path: "s.onnx"), contains: ["graph input 'x'", "STRING"])
        var tooBig = Onnx_TensorProto()
        tooBig.name = "u"
        tooBig.dims = [1]
        tooBig.dataType = Int32(Onnx_TensorProto.DataType.uint64.rawValue)
        tooBig.uint64Data = [UInt64.max]
        assertModelError(try loadModel(modelWith(tooBig), path: "s.onnx"), contains: ["initializer 'u'", "does not fit"])
    }

    func testUnsupportedAttributesNameNodeAndAttribute() {
        var sub = Onnx_GraphProto()
        sub.name = "body"
        let graphAttribute = Build.model(nodes: [Build.node("n", "Custom", ["x"], ["y"], attributes: [
            Build.attribute("body") { $0.type = .graph; $0.g = sub },
        ])], inputs: [Build.value("x")], outputs: [Build.value("y")])
        assertModelError(try loadModel(graphAttribute, path: "a.onnx"),
                         contains: ["a.onnx", "node 'n' (Custom) attribute 'body'", "graph"])
        var sparse = Onnx_SparseTensorProto()
        sparse.dims = [2]
        let sparseAttribute = Build.model(nodes: [Build.node("n", "Constant", [], ["y"], attributes: [
            Build.attribute("sparse_value") { $0.type = .sparseTensor; $0.sparseTensor = sparse },
        ])], inputs: [], outputs: [Build.value("y")])
        assertModelError(try loadModel(sparseAttribute, path: "a.onnx"),
                         contains: ["node 'n' (Constant) attribute 'sparse_value'", "sparse"])
        let badUTF8 = Build.model(nodes: [Build.node("n", "Custom", ["x"], ["y"], attributes: [
            Build.attribute("mode") { $0.type = .string; $0.s = Data([0xFF, 0xFE]) },
        ])], inputs: [Build.value("x")], outputs: [Build.value("y")])
        assertModelError(try loadModel(badUTF8, path: "a.onnx"), contains: ["node 'n' (Custom) attribute 'mode'", "UTF-8"])
        let badTensor = Build.model(nodes: [Build.node("k", "Constant", [], ["y"], attributes: [
            Build.attribute("value") { $0.type = .tensor; $0.t = Build.rawTensor("", .float, [2], [0]) },
        ])], inputs: [], outputs: [Build.value("y")])
        assertModelError(try loadModel(badTensor, path: "a.onnx"), contains: ["node 'k' (Constant) attribute 'value'", "raw_data has 1 bytes"])
    }

    func testRandomByteMutationsNeverCrash() {
        var model = Build.relu()
        model.graph.initializer = [Build.floatTensor("w", [2, 3], [1, 2, 3, 4, 5, 6]), Build.int64Tensor("s", [2], [3, 2])]
        model.graph.node.append(Build.node("k", "Constant", [], ["c"], attributes: [
            Build.attribute("value") { $0.type = .tensor; $0.t = Build.rawTensor("", .float16, [2], [0, 0x3C, 0, 0x40]) },
        ]))
        let original = model.bytes()
        var random = TestBytes(seed: 99)
        var refused = 0
        for _ in 0..<400 {
            var data = original
            let noise = random.next(count: 3)
            let position = Int(noise[0]) * data.count / 256
            data[position] = noise[1]
            if noise[2] < 64 { data[(position + 1) % data.count] = noise[2] }
            do {
                _ = try ModelLoader.load(data: data, path: "fuzz.onnx")
            } catch let error as LoupeError {
                refused += 1
                XCTAssertTrue(error.description.hasPrefix("fuzz.onnx: "), error.description)
                XCTAssertFalse(error.description.contains("\n"))
            } catch {
                XCTFail("unexpected error \(error)")
            }
        }
        XCTAssertGreaterThan(refused, 0)
    }

    func testImpossibleVersionsAreRefused() {
        assertModelError(try loadModel(Build.relu { $0.irVersion = 0 }, path: "v.onnx"), contains: ["v.onnx", "ir_version", "IR version 0"])
        assertModelError(try loadModel(Build.relu { $0.irVersion = 99 }, path: "v.onnx"), contains: ["ir_version", "IR version 99"])
        let future = Build.relu { $0.opsetImport[0].version = 99_999 }
        assertModelError(try loadModel(future, path: "v.onnx"), contains: ["v.onnx", "opset_import", "opset 99999 is newer"])
        XCTAssertNoThrow(try loadModel(Build.relu { $0.opsetImport[0].version = Int64(ModelLoader.newestOpset) }, path: "v.onnx"))
    }

    func testMissingOpsetIsRefused() {
        let model = Build.relu { $0.opsetImport = [] }
        assertModelError(try loadModel(model, path: "o.onnx"), contains: ["o.onnx", "opset_import", "default"])
    }
}

/// Deterministic pseudo-random bytes for garbage inputs.
struct TestBytes {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next(count: Int) -> Data {
        Data((0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        })
    }
}
