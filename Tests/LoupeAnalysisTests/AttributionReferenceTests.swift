import Foundation
import LoupeAnalysis
import LoupeEngine
import LoupeTensor
import LoupeTestSupport
import XCTest

/// Every attribution method against captum / pytorch-grad-cam outputs on the CNN, ResNet-18 and MobileNetV3 fixtures.
final class AttributionReferenceTests: XCTestCase {
    struct Case: Decodable {
        struct Tolerance: Decodable { var rtol: Float; var atol: Float }
        var name: String
        var model: String
        var modelCase: String
        var method: String
        var input: String
        var targets: [Int]
        var layer: String?
        var options: [String: JSONScalar]?
        var expected: String
        var noise: String?
        var tolerance: Tolerance

        enum CodingKeys: String, CodingKey {
            case name, model, method, input, targets, layer, options, expected, noise, tolerance
            case modelCase = "model_case"
        }
    }

    /// Numbers, strings, booleans or lists of numbers from the options object (others ignored).
    enum JSONScalar: Decodable {
        case number(Double), text(String), flag(Bool), numbers([Double]), other
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let v = try? c.decode(Bool.self) { self = .flag(v) }
            else if let v = try? c.decode(Double.self) { self = .number(v) }
            else if let v = try? c.decode(String.self) { self = .text(v) }
            else if let v = try? c.decode([Double].self) { self = .numbers(v) }
            else { self = .other }
        }
        var ints: [Int]? { if case .numbers(let v) = self { return v.map { Int($0) } }; return nil }
        var number: Double? { if case .number(let v) = self { return v }; return nil }
        var text: String? { if case .text(let v) = self { return v }; return nil }
    }

    var classifiers: [String: Classifier] = [:]

    func classifier(_ fixture: Case) throws -> Classifier {
        if let cached = classifiers[fixture.modelCase] { return cached }
        guard let modelFixture = try Fixtures.cases("models").first(where: { $0.name == fixture.modelCase }) else {
            throw XCTSkip("no model fixture \(fixture.modelCase)")
        }
        let classifier = try Classifier(model: try Model(path: try Fixtures.modelPath("models", modelFixture)))
        classifiers[fixture.modelCase] = classifier
        return classifier
    }

    /// The registry entry a fixture exercises (`grad-cam-raw` is Grad-CAM's unnormalised map).
    static func entry(_ fixture: Case) -> AttributionMethod? {
        AttributionMethods.named(fixture.method == "grad-cam-raw" ? "grad-cam" : fixture.method)
    }

    /// Runs the fixture's method through the registry with the reference's settings.
    func compute(_ fixture: Case) throws -> Tensor {
        let classifier = try classifier(fixture)
        let x = try Fixtures.array("attribution", fixture.input)
        let options = fixture.options ?? [:]
        guard let entry = Self.entry(fixture) else { throw XCTSkip("unknown method \(fixture.method)") }
        var settings = entry.defaults
        settings.layer = fixture.layer
        settings.rule = options["method"]?.text == "riemann_trapezoid" ? .riemannTrapezoid : .gaussLegendre
        settings.steps = Int(options["n_steps"]?.number ?? 50)
        if let noise = fixture.noise { settings.noise = .given(try Fixtures.array("attribution", noise)) }
        settings.window = options["sliding_window_shapes"]?.ints
        settings.stride = options["strides"]?.ints
        settings.baseline = Float(options["baselines"]?.number ?? 0)
        let result = try entry.attribute(classifier, images: x, targets: fixture.targets, settings: settings)
        if let completeness = result.completeness, settings.rule == .gaussLegendre && settings.steps >= 50 && fixture.modelCase.hasPrefix("cnn") {
            for delta in completeness.relative { XCTAssertLessThan(delta, 0.01, "\(fixture.name): completeness") }
        }
        if fixture.method == "grad-cam-raw" { return try XCTUnwrap(result.cam?.raw) }
        return result.attributions
    }

    /// Methods checked by an invariant test of their own instead of a reference fixture.
    static let invariantTested = ["gradient-x-sign"]

    /// Every registry method has a reference fixture (or its own invariant test), and every fixture names a registry method.
    func testEveryRegistryMethodHasAReference() throws {
        let url = fixturesDirectory.appendingPathComponent("attribution/manifest.json")
        let cases = try JSONDecoder().decode([Case].self, from: Data(contentsOf: url))
        let covered = Set(cases.compactMap { Self.entry($0)?.name })
        for name in AttributionMethods.names where !Self.invariantTested.contains(name) {
            XCTAssertTrue(covered.contains(name), "\(name) has no reference fixture")
        }
        for fixture in cases { XCTAssertNotNil(Self.entry(fixture), "\(fixture.name): \(fixture.method) is not in the registry") }
    }

    func testEveryMethodMatchesItsReference() throws {
        let url = fixturesDirectory.appendingPathComponent("attribution/manifest.json")
        let cases = try JSONDecoder().decode([Case].self, from: Data(contentsOf: url))
        XCTAssertGreaterThanOrEqual(cases.count, 45)
        var failures = [String]()
        for fixture in cases {
            do {
                var actual = try compute(fixture)
                let expected = try Fixtures.array("attribution", fixture.expected)
                // pytorch-grad-cam returns N x H x W; Loupe keeps a channel axis (N x 1 x H x W).
                if actual.rank == 4 && expected.rank == 3 && actual.shape[1] == 1 { actual = actual.reshaped(expected.shape) }
                guard actual.shape == expected.shape else { failures.append("\(fixture.name): shape \(actual.shape) vs \(expected.shape)"); continue }
                let scale = expected.scalars.map(abs).max() ?? 0
                let worst = zip(actual.scalars, expected.scalars).map { abs($0 - $1) }.max() ?? 0
                let allowed = fixture.tolerance.atol + fixture.tolerance.rtol * scale
                if !(worst <= allowed) { failures.append("\(fixture.name): max|Δ| \(worst) > \(allowed)") }
            } catch {
                failures.append("\(fixture.name): \(error)")
            }
        }
        XCTAssertTrue(failures.isEmpty, "\(failures.count) of \(cases.count) cases differ:\n" + failures.joined(separator: "\n"))
    }
}
