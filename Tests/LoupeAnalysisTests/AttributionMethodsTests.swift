import LoupeAnalysis
import LoupeEngine
import LoupeONNX
import LoupeTensor
import LoupeTestSupport
import XCTest

/// The attribution registry: one spelling per method, declared input ranks, and the report's default lists.
final class AttributionMethodsTests: XCTestCase {
    func testNamesAreUniqueAndSpelledOneWay() {
        let names = AttributionMethods.names
        XCTAssertEqual(Set(names).count, names.count)
        for name in names {
            XCTAssertNil(name.range(of: "[^a-z0-9-]", options: .regularExpression), "\(name): lower-case, digits and hyphens only")
            XCTAssertEqual(AttributionMethods.named(name)?.name, name)
        }
        XCTAssertNotNil(AttributionMethods.named("smoothgrad-sq"))
        XCTAssertNil(AttributionMethods.named("smoothgrad_sq"))
        XCTAssertEqual(NoiseTunnelKind.allCases.map(\.rawValue), ["smoothgrad", "smoothgrad-sq", "vargrad"])
    }

    func testReportDefaultsAreUnchanged() {
        XCTAssertEqual(AttributionMethods.names(with: .galleryDefault),
                       ["saliency", "smoothgrad", "integrated-gradients", "guided-backprop", "grad-cam", "occlusion"])
        XCTAssertEqual(AttributionMethods.names(with: .sanityDefault),
                       ["saliency", "input-x-gradient", "smoothgrad", "integrated-gradients", "guided-backprop", "grad-cam"])
        for method in AttributionMethods.all {
            if method.reportUse.contains(.galleryDefault) { XCTAssertTrue(method.reportUse.contains(.gallery), method.name) }
            if method.reportUse.contains(.sanityDefault) { XCTAssertTrue(method.reportUse.contains(.sanity), method.name) }
        }
    }

    /// CAMs declare rank 4 and refuse flat input with a typed error; gradient methods take any rank.
    func testDeclaredInputRankIsChecked() throws {
        var random = TestRandom(seed: 5)
        var b = GraphBuilder()
        b.parameter("W", random.tensor([3, 16]))
        b.parameter("b", random.tensor([3]))
        let logits = b.add("Gemm", ["x", "W", "b"], ["transB": .int(1)], output: "logits")
        let classifier = try Classifier(model: try b.model(sampleShape: [16], output: logits))
        let x = random.tensor([2, 16])
        for method in AttributionMethods.all {
            if method.isCAM { XCTAssertEqual(method.inputRank, 4, method.name) }
            if method.inputRank == 4 {
                XCTAssertThrowsError(try method.attribute(classifier, images: x, targets: [0, 1], settings: method.defaults), method.name) {
                    XCTAssertTrue("\($0)".contains("needs rank-4 input"), "\($0)")
                }
            }
        }
        for name in ["saliency", "input-x-gradient", "gradient-x-sign", "guided-backprop", "integrated-gradients"] {
            let method = try XCTUnwrap(AttributionMethods.named(name))
            XCTAssertNil(method.inputRank, name)
            let result = try method.attribute(classifier, images: x, targets: [0, 1], settings: method.defaults)
            XCTAssertEqual(result.attributions.shape, x.shape, name)
        }
    }
}
