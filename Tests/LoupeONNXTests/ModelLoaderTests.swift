import Foundation
import LoupeONNX
import LoupeTensor
import LoupeTestSupport
import XCTest

final class ModelLoaderTests: XCTestCase {
    /// x -> Conv(w, b) -> Relu -> Flatten -> Gemm -> y, with the node list shuffled in the file.
    private func smallNetwork() -> Onnx_ModelProto {
        let conv = Build.node("conv", "Conv", ["x", "w", "b"], ["c"], attributes: [
            Build.attribute("kernel_shape") { $0.type = .ints; $0.ints = [1, 1] },
            Build.attribute("pads") { $0.type = .ints; $0.ints = [0, 0, 0, 0] },
        ])
        let relu = Build.node("", "Relu", ["c"], ["r"])
        let flatten = Build.node("flat", "Flatten", ["r"], ["f"], attributes: [Build.attribute("axis") { $0.type = .int; $0.i = 1 }])
        let gemm = Build.node("fc", "Gemm", ["f", "fcw", ""], ["y"], attributes: [
            Build.attribute("alpha") { $0.type = .float; $0.f = 0.5 },
            Build.attribute("transB") { $0.type = .int; $0.i = 1 },
        ])
        return Build.model(
            nodes: [gemm, flatten, relu, conv],
            inputs: [Build.value("x", .float, ["N", 1, 2, 2])],
            outputs: [Build.value("y", .float, ["N", 3])],
            initializers: [Build.floatTensor("w", [2, 1, 1, 1], [1, -1]),
                           Build.floatTensor("b", [2], [0.5, 0], raw: false),
                           Build.floatTensor("fcw", [3, 8], (0..<24).map { Float($0) })])
    }

    func testValidModelLoadsInTopologicalOrder() throws {
        let graph = try loadModel(smallNetwork(), path: "net.onnx")
        XCTAssertEqual(graph.nodes.map(\.name), ["conv", "Relu_2", "flat", "fc"])
        XCTAssertEqual(graph.name, "test-graph")
        XCTAssertEqual(graph.opsetVersion, 17)
        XCTAssertEqual(graph.producer, "builder 1.0")
        XCTAssertEqual(graph.sourcePath, "net.onnx")
        XCTAssertEqual(graph.inputs, [ValueDeclaration(name: "x", element: .float,
                                                       dimensions: [.symbolic("N"), .fixed(1), .fixed(2), .fixed(2)])])
        XCTAssertEqual(graph.outputs.map(\.name), ["y"])
        XCTAssertEqual(graph.initializerOrder, ["w", "b", "fcw"])
        XCTAssertEqual(graph.initializers["w"], .float(Tensor(shape: [2, 1, 1, 1], scalars: [1, -1])))
        XCTAssertEqual(graph.initializers["b"], .float(Tensor(shape: [2], scalars: [0.5, 0])))
        XCTAssertEqual(graph.parameterCount, 2 + 2 + 24)
        let fc = try XCTUnwrap(graph.nodes.last)
        XCTAssertEqual(fc.inputs, ["f", "fcw", ""])
        XCTAssertEqual(try fc.float("alpha", default: 1), 0.5)
        XCTAssertEqual(try fc.int("transB", default: 0), 1)
        XCTAssertEqual(try graph.nodes[0].ints("kernel_shape"), [1, 1])
    }

    func testTopologicalOrderIsStableInFileOrder() throws {
        // Two independent chains interleaved; ready nodes keep their file order.
        let nodes = [Build.node("b2", "Relu", ["b1out"], ["b2out"]),
                     Build.node("a1", "Relu", ["x"], ["a1out"]),
                     Build.node("b1", "Relu", ["x"], ["b1out"]),
                     Build.node("a2", "Relu", ["a1out"], ["a2out"]),
                     Build.node("sum", "Add", ["a2out", "b2out"], ["y"])]
        let graph = try loadModel(Build.model(nodes: nodes, inputs: [Build.value("x")], outputs: [Build.value("y")]))
        XCTAssertEqual(graph.nodes.map(\.name), ["a1", "b1", "b2", "a2", "sum"])
    }

    func testAttributesOfEveryType() throws {
        let attributes = [
            Build.attribute("i") { $0.type = .int; $0.i = -7 },
            Build.attribute("f") { $0.type = .float; $0.f = 2.5 },
            Build.attribute("s") { $0.type = .string; $0.s = Data("héllo".utf8) },
            Build.attribute("t") { $0.type = .tensor; $0.t = Build.int64Tensor("", [2], [4, 5]) },
            Build.attribute("is") { $0.type = .ints; $0.ints = [1, 2, 3] },
            Build.attribute("fs") { $0.type = .floats; $0.floats = [0.25, -1] },
            Build.attribute("ss") { $0.type = .strings; $0.strings = [Data("a".utf8), Data("bc".utf8)] },
            Build.attribute("untyped") { $0.i = 9 },  // files predating the type field
        ]
        let model = Build.model(nodes: [Build.node("n", "Custom", ["x"], ["y"], domain: "my.domain", attributes: attributes)],
                                inputs: [Build.value("x")], outputs: [Build.value("y")])
        let node = try XCTUnwrap(loadModel(model).nodes.first)
        XCTAssertEqual(node.domain, "my.domain")
        XCTAssertEqual(node.attributes, [
            "i": .int(-7), "f": .float(2.5), "s": .string("héllo"),
            "t": .tensor(.int(IntTensor(vector: [4, 5]))), "is": .ints([1, 2, 3]), "fs": .floats([0.25, -1]),
            "ss": .strings(["a", "bc"]), "untyped": .int(9),
        ])
    }

    func testTensorDataTypesDecode() throws {
        let halves: [UInt8] = [0x00, 0x3C, 0x00, 0xC0, 0x01, 0x00, 0x00, 0x7C]  // 1, -2, 2^-24, +inf
        let bf16: [UInt8] = [0x80, 0x3F, 0x40, 0xC0]  // 1, -3
        let doubles = [1.5, -0.25].flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }
        let int8: [UInt8] = [0xFF, 0x02]
        let uint16: [UInt8] = [0xFF, 0xFF]
        let int32: [UInt8] = [0xFE, 0xFF, 0xFF, 0xFF]
        let bools: [UInt8] = [0, 1, 2]
        var tensors = [
            Build.rawTensor("h", .float16, [4], halves), Build.rawTensor("bf", .bfloat16, [2], bf16),
            Build.rawTensor("d", .double, [2], doubles), Build.rawTensor("i8", .int8, [2], int8),
            Build.rawTensor("u16", .uint16, [1], uint16), Build.rawTensor("i32", .int32, [1], int32),
            Build.rawTensor("bool", .bool, [3], bools),
        ]
        var typedHalf = Onnx_TensorProto()
        typedHalf.name = "typedHalf"
        typedHalf.dims = [1]
        typedHalf.dataType = Int32(Onnx_TensorProto.DataType.float16.rawValue)
        typedHalf.int32Data = [0x3800]  // 0.5
        var typedInt8 = typedHalf
        typedInt8.name = "typedInt8"
        typedInt8.dataType = Int32(Onnx_TensorProto.DataType.int8.rawValue)
        typedInt8.int32Data = [-3]
        var typedU64 = typedHalf
        typedU64.name = "typedU64"
        typedU64.dataType = Int32(Onnx_TensorProto.DataType.uint64.rawValue)
        typedU64.int32Data = []
        typedU64.uint64Data = [42]
        var typedDouble = typedHalf
        typedDouble.name = "typedDouble"
        typedDouble.dataType = Int32(Onnx_TensorProto.DataType.double.rawValue)
        typedDouble.int32Data = []
        typedDouble.doubleData = [3.5]
        tensors += [typedHalf, typedInt8, typedU64, typedDouble, Build.int64Tensor("scalar", [], [-9])]
        let model = Build.model(nodes: [Build.node("n", "Identity", ["x"], ["y"])], inputs: [Build.value("x")],
                                outputs: [Build.value("y")], initializers: tensors)
        let values = try loadModel(model).initializers
        XCTAssertEqual(values["h"], .float(Tensor(shape: [4], scalars: [1, -2, Float(sign: .plus, exponent: -24, significand: 1), .infinity])))
        XCTAssertEqual(values["bf"], .float(Tensor(shape: [2], scalars: [1, -3])))
        XCTAssertEqual(values["d"], .float(Tensor(shape: [2], scalars: [1.5, -0.25])))
        XCTAssertEqual(values["i8"], .int(IntTensor(vector: [-1, 2])))
        XCTAssertEqual(values["u16"], .int(IntTensor(vector: [65535])))
        XCTAssertEqual(values["i32"], .int(IntTensor(vector: [-2])))
        XCTAssertEqual(values["bool"], .int(IntTensor(vector: [0, 1, 1])))
        XCTAssertEqual(values["typedHalf"], .float(Tensor(shape: [1], scalars: [0.5])))
        XCTAssertEqual(values["typedInt8"], .int(IntTensor(vector: [-3])))
        XCTAssertEqual(values["typedU64"], .int(IntTensor(vector: [42])))
        XCTAssertEqual(values["typedDouble"], .float(Tensor(shape: [1], scalars: [3.5])))
        XCTAssertEqual(values["scalar"], .int(IntTensor(shape: [], values: [-9])))
    }

    func testRawDataAtOddOffsetsDecodes() throws {
        // Two raw tensors back to back make the second one's bytes start at an odd offset in the file.
        let model = Build.model(nodes: [Build.node("n", "Identity", ["x"], ["y"])], inputs: [Build.value("x")], outputs: [Build.value("y")],
                                initializers: [Build.rawTensor("odd", .uint8, [3], [1, 2, 3]), Build.floatTensor("f", [3], [1.25, -2, 3e8]),
                                               Build.rawTensor("l", .int64, [1], [0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])])
        let values = try loadModel(model).initializers
        XCTAssertEqual(values["f"], .float(Tensor(shape: [3], scalars: [1.25, -2, 3e8])))
        XCTAssertEqual(values["l"], .int(IntTensor(vector: [-2])))
    }

    func testInitializersListedAsInputsAreNotInputs() throws {
        let model = Build.model(nodes: [Build.node("add", "Add", ["x", "bias"], ["y"])],
                                inputs: [Build.value("x", .float, [2]), Build.value("bias", .float, [2])],
                                outputs: [Build.value("y")], initializers: [Build.floatTensor("bias", [2], [1, 2])])
        let graph = try loadModel(model)
        XCTAssertEqual(graph.inputs.map(\.name), ["x"])
        XCTAssertEqual(graph.initializerOrder, ["bias"])
    }

    func testOpsetFromDefaultDomainAndIntegerInputs() throws {
        var model = Build.relu()
        var custom = Onnx_OperatorSetIdProto()
        custom.domain = "com.microsoft"
        custom.version = 1
        var onnx = Onnx_OperatorSetIdProto()
        onnx.domain = "ai.onnx"
        onnx.version = 13
        model.opsetImport = [custom, onnx]
        model.graph.input.append(Build.value("ids", .int64, [3]))
        model.graph.input.append(Build.value("mask", .bool, [Int]()))
        let graph = try loadModel(model)
        XCTAssertEqual(graph.opsetVersion, 13)
        XCTAssertEqual(graph.inputs.map(\.element), [.float, .integer, .integer])
        XCTAssertEqual(graph.inputs[2].dimensions, [])
    }

    func testUnusedNodesMayStay() throws {
        var model = Build.relu()
        model.graph.node.append(Build.node("dead", "Neg", ["x"], ["unused"]))
        XCTAssertEqual(try loadModel(model).nodes.map(\.name), ["relu", "dead"])
    }

    func testUnsupportedOperatorsAreListedTogether() throws {
        var thenBranch = Onnx_GraphProto()
        thenBranch.name = "then"
        let model = Build.model(
            nodes: [Build.node("r", "Relu", ["x"], ["a"]),
                    Build.node("nms1", "NonMaxSuppression", ["a", "a"], ["b"]),
                    Build.node("frob1", "Frobnicate", ["b"], ["c"], domain: "my.domain"),
                    Build.node("cond", "If", ["c"], ["y"], attributes: [
                        Build.attribute("then_branch") { $0.type = .graph; $0.g = thenBranch },
                        Build.attribute("else_branch") { $0.type = .graph; $0.g = thenBranch },
                    ])],
            inputs: [Build.value("x")], outputs: [Build.value("y")])
        let graph = try loadModel(model, path: "ops.onnx")
        XCTAssertEqual(graph.nodes[3].attributes, [:])
        let supported: (String, String) -> Bool = { op, domain in domain.isEmpty && op == "Relu" }
        let missing = unsupportedOperators(in: graph, supported: supported)
        XCTAssertEqual(missing.map(\.name), ["nms1", "frob1", "cond"])
        XCTAssertEqual(unsupportedOperatorsMessage(missing),
                       "unsupported operators: nms1 (NonMaxSuppression, ai.onnx), frob1 (Frobnicate, my.domain), cond (If, ai.onnx)")
        assertModelError(try checkSupportedOperators(in: graph, supported: supported),
                         contains: ["ops.onnx: unsupported operators: nms1 (NonMaxSuppression, ai.onnx), frob1"])
        XCTAssertNoThrow(try checkSupportedOperators(in: graph) { _, _ in true })
    }

    func testLoadsFromDisk() throws {
        let dir = try makeTemporaryDirectory(self)
        let path = dir.appendingPathComponent("relu.onnx").path
        try Build.relu().bytes().write(to: URL(fileURLWithPath: path))
        let graph = try ModelLoader.load(path: path)
        XCTAssertEqual(graph.nodes.map(\.opType), ["Relu"])
        XCTAssertEqual(graph.sourcePath, path)
        assertModelError(try ModelLoader.load(path: dir.appendingPathComponent("missing.onnx").path),
                         contains: ["missing.onnx", "cannot read"], kind: .io)
    }
}
