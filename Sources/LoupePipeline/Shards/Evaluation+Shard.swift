import LoupeAnalysis
import LoupeTensor

/// The evaluation pass's payload: per-image labels and predictions, concatenated in index order.
extension Evaluation: ShardPayload {
    func encode(into writer: inout ShardWriter) {
        writer.int(classCount)
        writer.ints(labels)
        writer.ints(predictions)
        writer.floats(confidences)
        writer.floats(trueClassProbabilities)
    }

    static func decode(from reader: inout ShardReader) throws -> Evaluation {
        var evaluation = Evaluation()
        evaluation.classCount = try reader.int("class count")
        evaluation.labels = try reader.ints("labels")
        evaluation.predictions = try reader.ints("predictions")
        evaluation.confidences = try reader.floats("confidences")
        evaluation.trueClassProbabilities = try reader.floats("true-class probabilities")
        let n = evaluation.labels.count
        guard [evaluation.predictions.count, evaluation.confidences.count, evaluation.trueClassProbabilities.count].allSatisfy({ $0 == n }) else {
            throw LoupeError(.invalidInput, file: reader.file, location: "evaluation", "per-image lists of different lengths")
        }
        return evaluation
    }

    mutating func append(_ next: Evaluation) throws {
        labels += next.labels
        predictions += next.predictions
        confidences += next.confidences
        trueClassProbabilities += next.trueClassProbabilities
        seconds += next.seconds
    }
}
