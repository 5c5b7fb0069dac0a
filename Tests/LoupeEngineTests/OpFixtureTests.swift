import Foundation
import LoupeEngine
import LoupeONNX
import LoupeTensor
import LoupeTestSupport
import XCTest

/// Every single-op reference case matches onnxruntime, and every registered op has a case.
final class OpFixtureTests: XCTestCase {
    func testEveryOpCaseMatchesOnnxruntime() throws {
        let cases = try Fixtures.cases("ops")
        XCTAssertGreaterThan(cases.count, 100)
        var failures = [String]()
        for fixture in cases {
            do {
                let model = try Model(path: Fixtures.path("ops", fixture.model))
                var inputs = [String: Tensor]()
                for (name, npy) in fixture.inputs ?? [:] {
                    var array = try Fixtures.array("ops", npy)
                    // np.save stored the fixture's scalars with shape (1,): give them the declared rank 0.
                    let declared = model.graph.inputs.first { $0.name == name }?.dimensions
                    if declared?.isEmpty == true && array.count == 1 { array = array.reshaped([]) }
                    inputs[name] = array
                }
                let result = try model.run(inputs)
                for (name, npy) in fixture.outputs ?? [:] {
                    var expected = try Fixtures.array("ops", npy)
                    guard let actual = result.outputs[name]?.asFloat else { failures.append("\(fixture.name): no output \(name)"); continue }
                    if actual.shape == [] && expected.shape == [1] { expected = expected.reshaped([]) }
                    guard actual.shape == expected.shape else {
                        failures.append("\(fixture.name): shape \(actual.shape) vs \(expected.shape)"); continue
                    }
                    let scale = max(1, expected.scalars.map(abs).max() ?? 0)
                    let worst = zip(actual.scalars, expected.scalars).map { abs($0 - $1) }.max() ?? 0
                    if !(worst <= 1e-4 * scale) { failures.append("\(fixture.name): max|Δ| = \(worst)") }
                }
            } catch {
                failures.append("\(fixture.name): \(error)")
            }
        }
        XCTAssertTrue(failures.isEmpty, "failing op cases:\n" + failures.joined(separator: "\n"))
    }

    func testEveryRegisteredOpHasAReferenceCase() throws {
        let covered = Set(try Fixtures.cases("ops").compactMap(\.op))
        let registered = Set(OperatorTable.all.map { $0.opType })
        XCTAssertEqual(registered.subtracting(covered).sorted(), [], "registered ops without an onnxruntime case")
        XCTAssertEqual(covered.subtracting(registered).sorted(), [], "cases for ops the engine does not register")
    }
}
