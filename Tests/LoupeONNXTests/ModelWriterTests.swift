import Foundation
import LoupeONNX
import LoupeTensor
import LoupeTestSupport
import XCTest

final class ModelWriterTests: XCTestCase {
    private func sampleGraph() -> Graph {
        let nodes = [
            Node(name: "conv", opType: "Conv", inputs: ["x", "w", ""], outputs: ["c"],
                 attributes: ["kernel_shape": .ints([1, 1]), "group": .int(1), "alpha": .float(0.5)]),
            Node(name: "shape", opType: "Reshape", inputs: ["c", "newShape"], outputs: ["r"],
                 attributes: ["mode": .string("ü"), "names": .strings(["a", "b"]), "weights": .floats([1, 2.5]),
                              "table": .tensor(.int(IntTensor(shape: [2], values: [3, -4])))]),
            Node(name: "custom", opType: "Frobnicate", domain: "my.domain", inputs: ["r"], outputs: ["y", ""]),
        ]
        return Graph(name: "round-trip", nodes: nodes,
                     inputs: [ValueDeclaration(name: "x", element: .float, dimensions: [.symbolic("N"), .fixed(1), .fixed(2), .fixed(2)]),
                              ValueDeclaration(name: "ids", element: .integer, dimensions: nil)],
                     outputs: [ValueDeclaration(name: "y", element: .float, dimensions: [.symbolic("N"), .fixed(8)])],
                     initializers: ["w": .float(Tensor(shape: [2, 1, 1, 1], scalars: [1.5, -2])),
                                    "newShape": .int(IntTensor(vector: [-1, 8]))],
                     initializerOrder: ["w", "newShape"], opsetVersion: 13, producer: "loupe 0.1")
    }

    private func assertSameGraph(_ a: Graph, _ b: Graph, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.name, b.name, file: file, line: line)
        XCTAssertEqual(a.nodes, b.nodes, file: file, line: line)
        XCTAssertEqual(a.inputs, b.inputs, file: file, line: line)
        XCTAssertEqual(a.outputs, b.outputs, file: file, line: line)
        XCTAssertEqual(a.initializers, b.initializers, file: file, line: line)
        XCTAssertEqual(a.initializerOrder, b.initializerOrder, file: file, line: line)
        XCTAssertEqual(a.opsetVersion, b.opsetVersion, file: file, line: line)
        XCTAssertEqual(a.producer, b.producer, file: file, line: line)
    }

    func testWriteThenLoadGivesTheSameGraph() throws {
        let dir = try makeTemporaryDirectory(self)
        let path = dir.appendingPathComponent("out.onnx").path
        let graph = sampleGraph()
        try ModelWriter.write(graph, to: path, producer: "loupe 0.1")
        let loaded = try ModelLoader.load(path: path)
        assertSameGraph(loaded, graph)
        XCTAssertEqual(loaded.sourcePath, path)
        // No temporary file is left behind.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["out.onnx"])
        // Writing again over the file replaces it.
        var changed = graph
        changed.opsetVersion = 17
        try ModelWriter.write(changed, to: path, producer: "loupe 0.1")
        XCTAssertEqual(try ModelLoader.load(path: path).opsetVersion, 17)
    }

    func testSerializedModelUsesIRVersion8AndRawData() throws {
        let data = try ModelWriter.serialize(sampleGraph(), producer: "me")
        let model = try Onnx_ModelProto(serializedBytes: data)
        XCTAssertEqual(model.irVersion, 8)
        XCTAssertEqual(model.producerName, "me")
        XCTAssertEqual(model.opsetImport.map(\.domain), ["", "my.domain"])
        XCTAssertEqual(model.opsetImport.map(\.version), [13, 1])
        let w = try XCTUnwrap(model.graph.initializer.first)
        XCTAssertEqual(w.dataType, Int32(Onnx_TensorProto.DataType.float.rawValue))
        XCTAssertEqual(w.rawData.count, 8)
        XCTAssertEqual(model.graph.initializer[1].dataType, Int32(Onnx_TensorProto.DataType.int64.rawValue))
    }

    func testOnnxCheckerAcceptsOurFile() throws {
        let python = try loupePython(needs: "onnx")
        let dir = try makeTemporaryDirectory(self)
        let path = dir.appendingPathComponent("checked.onnx").path
        let graph = Graph(name: "g", nodes: [Node(name: "relu", opType: "Relu", inputs: ["x"], outputs: ["h"]),
                                             Node(name: "add", opType: "Add", inputs: ["h", "b"], outputs: ["y"])],
                          inputs: [ValueDeclaration(name: "x", element: .float, dimensions: [.symbolic("N"), .fixed(2)])],
                          outputs: [ValueDeclaration(name: "y", element: .float, dimensions: [.symbolic("N"), .fixed(2)])],
                          initializers: ["b": .float(Tensor(shape: [2], scalars: [1, 2]))], initializerOrder: ["b"], opsetVersion: 17)
        try ModelWriter.write(graph, to: path, producer: "loupe")
        let code = "import onnx, sys; m = onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True); "
            + "print(m.ir_version, m.opset_import[0].version, onnx.numpy_helper.to_array(m.graph.initializer[0]).tolist())"
        XCTAssertEqual(try runPython(python, code, arguments: [path]), "8 17 [1.0, 2.0]")
    }

    func testWriteToMissingFolderIsAnIOError() {
        assertModelError(try ModelWriter.write(sampleGraph(), to: "/nonexistent-folder/x.onnx", producer: "p"),
                         contains: ["/nonexistent-folder/x.onnx", "cannot write"], kind: .io)
    }
}
