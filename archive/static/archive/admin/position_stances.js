"use strict";
// The take screen's positions: each row's stance list shows only the stances of the question
// chosen in that row, and choosing a stance first fills in its question. Without JavaScript the
// list stays grouped by question and the server refuses a stance of another question.
(function () {
  const QUESTION = 'select[id^="id_positions-"][id$="-question"]';
  const STANCE = 'select[id^="id_positions-"][id$="-stance"]';

  function partner(select, from, to) {
    return document.getElementById(select.id.replace(new RegExp(from + "$"), to));
  }

  function narrow(questionSelect) {
    const stance = partner(questionSelect, "question", "stance");
    if (!stance) return;
    const label = questionSelect.value ? questionSelect.selectedOptions[0].textContent : null;
    for (const group of stance.querySelectorAll("optgroup")) {
      const shown = label === null || group.label === label;
      group.hidden = !shown;
      group.disabled = !shown;
    }
    const chosen = stance.selectedOptions[0];
    if (chosen && chosen.parentElement.tagName === "OPTGROUP" && chosen.parentElement.disabled) stance.value = "";
  }

  function fillQuestion(stanceSelect) {
    const question = partner(stanceSelect, "stance", "question");
    const chosen = stanceSelect.selectedOptions[0];
    if (!question || question.value || !chosen || chosen.parentElement.tagName !== "OPTGROUP") return;
    for (const option of question.options) {
      if (option.textContent === chosen.parentElement.label) {
        question.value = option.value;
        narrow(question);
        break;
      }
    }
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches(QUESTION)) narrow(event.target);
    else if (event.target.matches(STANCE)) fillQuestion(event.target);
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(QUESTION).forEach(narrow);
  });
})();
