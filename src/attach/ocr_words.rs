//! The words Tesseract reads, to lines: parses its TSV output, keeps Swedish
//! letters that a mixed Swedish and English reading lost, and joins words into
//! lines with their mean confidence. It runs no program and knows no form.

/// One word that Tesseract read.
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    text: String,
    line: (i64, i64, i64, i64),
    left: i64,
    top: i64,
    width: i64,
    height: i64,
    conf: f32,
}

/// The words of Tesseract's TSV output.
pub fn tsv_words(tsv: &str) -> Vec<Word> {
    let mut out = Vec::new();
    for row in tsv.lines().skip(1) {
        let cols: Vec<&str> = row.split('\t').collect();
        if cols.len() < 12 || cols[0] != "5" || cols[11].trim().is_empty() {
            continue;
        }
        let n = |i: usize| cols[i].trim().parse::<i64>().unwrap_or(0);
        out.push(Word {
            text: cols[11].trim().to_string(),
            line: (n(1), n(2), n(3), n(4)),
            left: n(6),
            top: n(7),
            width: n(8),
            height: n(9),
            conf: cols[10].trim().parse::<f32>().unwrap_or(0.0).max(0.0),
        });
    }
    out
}

/// Takes a word from the Swedish-only reading when it is the same word at the
/// same place but with Swedish letters that the mixed reading lost.
pub fn keep_swedish_letters(words: &mut [Word], swedish: &[Word]) {
    let fold = |s: &str| -> String {
        s.chars()
            .map(|c| match c {
                'å' | 'ä' => 'a',
                'Å' | 'Ä' => 'A',
                'ö' => 'o',
                'Ö' => 'O',
                'é' => 'e',
                other => other,
            })
            .collect()
    };
    let swedish_letter = |c: char| "åäöÅÄÖé".contains(c);
    for w in words.iter_mut() {
        let same = swedish.iter().find(|s| {
            (s.left - w.left).abs() * 2 < w.height.max(1)
                && (s.top - w.top).abs() * 2 < w.height.max(1)
        });
        if let Some(s) = same {
            if s.text != w.text && fold(&s.text) == w.text && s.text.chars().any(swedish_letter) {
                w.text = s.text.clone();
                w.conf = s.conf;
            }
        }
    }
}

/// Joins words into lines with their mean confidence; words far apart on one
/// line (a label and its value in columns) are joined by a tab.
pub fn join_lines(words: &[Word]) -> Vec<(String, f32)> {
    let mut out: Vec<(String, f32)> = Vec::new();
    let mut current: Option<(String, &Word, Vec<f32>, i64)> = None;
    for w in words {
        match current.as_mut() {
            Some((text, first, confs, right)) if first.line == w.line => {
                text.push(if w.left - *right > 3 * w.height {
                    '\t'
                } else {
                    ' '
                });
                text.push_str(&w.text);
                confs.push(w.conf);
                *right = w.left + w.width;
            }
            _ => {
                out.extend(current.take().map(|(t, _, c, _)| (t, mean(&c))));
                current = Some((w.text.clone(), w, vec![w.conf], w.left + w.width));
            }
        }
    }
    out.extend(current.map(|(t, _, c, _)| (t, mean(&c))));
    out
}

pub fn mean(v: &[f32]) -> f32 {
    v.iter().sum::<f32>() / v.len().max(1) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsv_words_become_lines_with_confidence() {
        let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
            4\t1\t1\t1\t1\t0\t10\t10\t500\t30\t-1\t\n\
            5\t1\t1\t1\t1\t1\t10\t10\t100\t30\t90\tOrganisation:\n\
            5\t1\t1\t1\t1\t2\t400\t10\t80\t30\t80\tMora\n\
            5\t1\t1\t1\t1\t3\t490\t10\t80\t30\t70\tkommun\n\
            5\t1\t1\t1\t2\t1\t10\t50\t100\t30\t50\tTitel:\n";
        let lines = join_lines(&tsv_words(tsv));
        assert_eq!(lines[0], ("Organisation:\tMora kommun".to_string(), 80.0));
        assert_eq!(lines[1], ("Titel:".to_string(), 50.0));
    }
}
