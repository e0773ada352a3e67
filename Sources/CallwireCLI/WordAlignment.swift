/// The alignment of a hypothesis against a reference transcript, word by word: the count behind a
/// word error rate (substitutions + deletions + insertions over reference words).
struct WordAlignment: Equatable {
    /// One aligned pair: a reference word, a hypothesis word, or both.
    enum Step: Equatable {
        case match(String)
        case substitution(reference: String, hypothesis: String)
        case deletion(String)
        case insertion(String)
    }

    let steps: [Step]

    /// Alignment weights as NIST sclite uses them: a substitution costs 4, an insertion or a
    /// deletion 3, so a deletion and an insertion around a matching word are preferred to two
    /// substitutions. Each step then counts as one error, as sclite counts them.
    static let substitutionCost = 4, gapCost = 3

    /// Aligns `hypothesis` to `reference` word by word with the minimum weighted edit cost.
    init(reference: [String], hypothesis: [String]) {
        let n = reference.count, m = hypothesis.count
        let sub = Self.substitutionCost, gap = Self.gapCost
        var cost = [[Int]](repeating: [Int](repeating: 0, count: m + 1), count: n + 1)
        for i in 0...n { cost[i][0] = i * gap }
        for j in 0...m { cost[0][j] = j * gap }
        if n > 0 && m > 0 {
            for i in 1...n {
                for j in 1...m {
                    let diagonal = cost[i - 1][j - 1] + (reference[i - 1] == hypothesis[j - 1] ? 0 : sub)
                    cost[i][j] = min(diagonal, cost[i - 1][j] + gap, cost[i][j - 1] + gap)
                }
            }
        }
        var steps: [Step] = []
        var i = n, j = m
        while i > 0 || j > 0 {
            if i > 0, j > 0, cost[i][j] == cost[i - 1][j - 1] + (reference[i - 1] == hypothesis[j - 1] ? 0 : sub) {
                steps.append(reference[i - 1] == hypothesis[j - 1]
                             ? .match(reference[i - 1]) : .substitution(reference: reference[i - 1], hypothesis: hypothesis[j - 1]))
                i -= 1
                j -= 1
            } else if i > 0, cost[i][j] == cost[i - 1][j] + gap {
                steps.append(.deletion(reference[i - 1]))
                i -= 1
            } else {
                steps.append(.insertion(hypothesis[j - 1]))
                j -= 1
            }
        }
        self.steps = steps.reversed()
    }

    /// Words of the reference.
    var referenceWords: Int { steps.filter { if case .insertion = $0 { false } else { true } }.count }
    var substitutions: Int { steps.filter { if case .substitution = $0 { true } else { false } }.count }
    var deletions: Int { steps.filter { if case .deletion = $0 { true } else { false } }.count }
    var insertions: Int { steps.filter { if case .insertion = $0 { true } else { false } }.count }
    /// Substitutions, deletions and insertions.
    var errors: Int { substitutions + deletions + insertions }

    /// Two lines in the style of NIST sclite: matching words in lower case, errors in upper case,
    /// `***` where one side has no word, columns padded to line up.
    var lines: (reference: String, hypothesis: String) {
        var top: [String] = [], bottom: [String] = []
        for step in steps {
            let (a, b): (String, String) = switch step {
            case .match(let word): (word, word)
            case .substitution(let r, let h): (r.uppercased(), h.uppercased())
            case .deletion(let r): (r.uppercased(), String(repeating: "*", count: max(3, r.count)))
            case .insertion(let h): (String(repeating: "*", count: max(3, h.count)), h.uppercased())
            }
            let width = max(a.count, b.count)
            top.append(a.padding(toLength: width, withPad: " ", startingAt: 0))
            bottom.append(b.padding(toLength: width, withPad: " ", startingAt: 0))
        }
        return (Self.trimmed(top.joined(separator: " ")), Self.trimmed(bottom.joined(separator: " ")))
    }

    private static func trimmed(_ line: String) -> String {
        String(line.reversed().drop { $0 == " " }.reversed())
    }
}
