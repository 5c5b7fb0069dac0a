import Foundation
import LoupeAnalysis
import LoupeTensor
import LoupeTestSupport
import XCTest

/// The separable Gaussian blur with replicated edges agrees with a direct two-dimensional sum.
final class ImageFiltersTests: XCTestCase {
    func testSeparableGaussianReplicatesEdgesLikeADirectSum() throws {
        let (h, w, sigma) = (4, 6, Float(0.8))
        let values: [Float] = (0..<(h * w)).map { Float(($0 * 7) % 11) }
        let radius = 3  // ⌈3 · 0.8⌉
        let blurred = ImageFilters.separableGaussian(Tensor(shape: [1, 1, h, w], scalars: values), sigma: sigma, radius: radius,
                                                     border: .replicate)
        let weights = (-radius...radius).map { exp(-Double($0 * $0) / (2 * Double(sigma * sigma))) }
        let total = weights.reduce(0, +)
        var expected = [Float]()
        for row in 0..<h {
            for col in 0..<w {
                var sum = 0.0
                for (a, dy) in (-radius...radius).enumerated() {
                    for (b, dx) in (-radius...radius).enumerated() {
                        let r = min(max(row + dy, 0), h - 1), c = min(max(col + dx, 0), w - 1)
                        sum += weights[a] * weights[b] / (total * total) * Double(values[r * w + c])
                    }
                }
                expected.append(Float(sum))
            }
        }
        assertClose(blurred, Tensor(shape: [1, 1, h, w], scalars: expected), relativeTo: 1e-5, "replicate-edge blur")
    }
}
