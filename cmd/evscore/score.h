/*
 * score.h - scoring one event with a loaded model, and the JSON that
 * reports the result.
 *
 * The arithmetic (evscore-model(5)): the raw score is the bias plus the
 * contribution of every rule that fired, in model order (a condition rule
 * contributes its weight, a numeric term its weight times its input),
 * plus, for each group whose total went past its cap, the adjustment that
 * brings it back.  It is computed as exactly that left-to-right sum of the
 * numbers printed in "reasons", so a reader who adds them up gets the same
 * double.  link logistic reports the probability 1/(1+e^-raw) as "value"
 * and the raw sum as "logit"; link points reports the raw sum as "value".
 */
#ifndef EVSCORE_SCORE_H
#define EVSCORE_SCORE_H

#include <stddef.h>

#include "buf.h"
#include "json.h"
#include "model.h"

enum score_status {
	SCORE_OK,        /* scored */
	SCORE_UNSCORED,  /* the event's type is not one the model takes */
	SCORE_NONFINITE, /* the sum overflowed: not a finite number */
};

struct score {
	int override; /* the override that set the verdict, or -1 */
	double z;     /* the raw sum */
	double value; /* what the verdict thresholds compare */
	int verdict;
};

/*
 * Scores the event LINE (LEN bytes, validated): VALS are the values the
 * reader extracted (indexed by the slots' ridx), TYPE the event's type
 * value.  The fired rules are left in m->hits, the caps in m->caps.
 */
enum score_status score_event(struct model *m, const char *line, size_t len,
			      const struct json_value *vals,
			      const struct json_value *type, struct score *sc);

/*
 * Appends the result object {"value":..,["logit":..,]"verdict":..,
 * "reasons":[..],"model":"name@version"} to OUT.
 */
void score_format(const struct model *m, const struct score *sc,
		  struct buf *out);

#endif
