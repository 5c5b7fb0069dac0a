import LoupeEngine
import LoupeONNX
import LoupeTensor
import LoupeTestSupport
import XCTest

/// Small builders shared by the shape-family tests.
enum ShapeTestData {
    static func float(_ shape: [Int], _ scalars: [Float]) -> TensorValue { .float(Tensor(shape: shape, scalars: scalars)) }
    static func int(_ shape: [Int], _ values: [Int]) -> TensorValue { .int(IntTensor(shape: shape, values: values)) }
    static func ints(_ values: [Int]) -> TensorValue { .int(IntTensor(vector: values)) }
    static func floats(_ values: [Float]) -> TensorValue { .float(Tensor(shape: [values.count], scalars: values)) }
    /// 0, 1, 2, ... in `shape`.
    static func iota(_ shape: [Int]) -> Tensor {
        Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { Float($0) })
    }
    /// Distinct values (no ties), shuffled deterministically, in `shape`.
    static func distinct(_ shape: [Int], seed: UInt64 = 7) -> Tensor {
        var random = TestRandom(seed: seed)
        let n = shape.reduce(1, *)
        let base = (0..<n).map { Float($0) * 0.37 - Float(n) * 0.15 }
        let keys = (0..<n).map { _ in random.uniform() }
        let order = (0..<n).sorted { keys[$0] < keys[$1] }
        return Tensor(shape: shape, scalars: order.map { base[$0] })
    }
    static func facts(_ shape: [Int], _ element: ElementKind = .float) -> ValueFacts? { ValueFacts(shape: shape, element: element) }
    static func constant(_ value: TensorValue) -> ValueFacts? { ValueFacts(constant: value) }
}

/// Asserts `body` throws a `LoupeError` whose message contains `fragment`.
func assertShapeOpThrows(_ fragment: String, file: StaticString = #filePath, line: UInt = #line,
                         _ body: () throws -> Any) {
    do {
        _ = try body()
        XCTFail("expected an error containing '\(fragment)'", file: file, line: line)
    } catch let error as LoupeError {
        XCTAssertTrue(error.description.contains(fragment), "'\(error.description)' lacks '\(fragment)'", file: file, line: line)
    } catch {
        XCTFail("unexpected error \(error)", file: file, line: line)
    }
}

/// The float tensor of a value, failing the test when it holds integers.
func shapeOpFloat(_ value: TensorValue, file: StaticString = #filePath, line: UInt = #line) -> Tensor {
    if case .float(let t) = value { return t }
    XCTFail("expected a float value", file: file, line: line)
    return value.asFloat
}

/// The integer tensor of a value, failing the test when it holds floats.
func shapeOpInt(_ value: TensorValue, file: StaticString = #filePath, line: UInt = #line) -> IntTensor {
    if case .int(let t) = value { return t }
    XCTFail("expected an integer value", file: file, line: line)
    return value.asInt
}
