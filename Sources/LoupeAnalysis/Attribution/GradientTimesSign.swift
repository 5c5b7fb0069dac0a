import LoupeEngine
import LoupeTensor

extension AttributionMethod {
    /// Gradient × sign: the input gradient times sign(input), elementwise (sign(0) = 0).
    ///
    /// It keeps the gradient's magnitude but flips it where the input is negative, so it agrees in sign
    /// with Input × Gradient everywhere; not in any default list.
    public static let gradientTimesSign = AttributionMethod(
        name: "gradient-x-sign", title: "Gradient × Sign", shortTitle: "Grad×Sign", reportUse: [.gallery, .sanity],
        compute: { classifier, images, targets, settings in
            var result = try plainGradient(classifier, images, targets, settings)
            for i in 0..<result.count {
                let x = images.scalars[i]
                result.scalars[i] = x > 0 ? result.scalars[i] : x < 0 ? -result.scalars[i] : 0
            }
            return AttributionResult(result)
        },
        describe: { _, _ in AttributionDescription("gradient of the predicted logit times sign(input)") })
}
