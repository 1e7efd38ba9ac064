// The clean-up Hugging Face decoders apply with `clean_up_tokenization_spaces=True`
// (transformers PreTrainedTokenizerBase.clean_up_tokenization, tokenization_utils_base.py; the
// same ten rules in 4.27.0, which CaMeLS pins, and 4.36.2, which MAC pins). The MAC and CaMeLS
// evaluations decode predictions and gold answers through it (M:utils.py:100-104,
// C:util.py:66-70), so it changes their EM/F1: "John 's" becomes "John's", which normalises to
// "johns" rather than "john s".
#pragma once

#include <string>
#include <string_view>

namespace amem::text {

// Applies, in this order and each to the whole text as Python's str.replace does (every
// occurrence, left to right, without rescanning what it wrote): " ." -> ".", " ?" -> "?",
// " !" -> "!", " ," -> ",", " ' " -> "'", " n't" -> "n't", " 'm" -> "'m", " 's" -> "'s",
// " 've" -> "'ve", " 're" -> "'re". Bytes are matched as they are; UTF-8 is left intact, since
// every pattern is ASCII.
std::string clean_up_tokenization(std::string_view text);

}  // namespace amem::text
