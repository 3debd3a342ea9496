#ifndef HEARTH_BANNED_H
#define HEARTH_BANNED_H

/*
 * Functions banned from the server's C code (git's banned.h, curl's checksrc
 * list): too easy to misuse, and even when used correctly they make every
 * audit re-check them. Including this header turns each call into a compile
 * error that names the function and what to use instead, e.g.
 *
 *     error: 'sorry_strcpy_is_banned__use_snprintf_or_memcpy_with_a_length'
 *            undeclared
 *
 * Include it LAST in every server .c file, after all other headers: the
 * system headers declare (and may define inline) the very names redefined
 * here, and a macro defined before them would break their declarations.
 * tests/arch/rules.sh checks that every server .c file does so. Only
 * function-like macros are used, so a name that is not followed by '(' (a
 * struct member, a function pointer taken by name) is left alone.
 *
 * Not banned, on purpose: strerror (glibc >= 2.32 makes it thread-safe, and
 * Debian 12 has 2.36), snprintf/vsnprintf (the replacements), strtol & co.
 * (the replacements above, with errno and the end pointer checked).
 */

#define BANNED(func, instead) sorry_##func##_is_banned__##instead

/* unbounded copies: the length is never checked */
#undef strcpy
#define strcpy(x, y) BANNED(strcpy, use_snprintf_or_memcpy_with_a_length)
#undef strcat
#define strcat(x, y) BANNED(strcat, use_hearth_buf_or_snprintf)
/* strncpy does not terminate when the source is as long as n, and pads with zeros up to n */
#undef strncpy
#define strncpy(x, y, n) BANNED(strncpy, use_snprintf_it_always_terminates)
/* strncat's n is what is left, not the buffer size: a classic off-by-one */
#undef strncat
#define strncat(x, y, n) BANNED(strncat, use_hearth_buf_or_snprintf)
#undef sprintf
#define sprintf(...) BANNED(sprintf, use_snprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf, use_vsnprintf)
#undef gets
#define gets(x) BANNED(gets, use_fgets)

/* hidden state (strtok), or a grammar that cannot say "no" (sscanf %d overflows silently) */
#undef strtok
#define strtok(x, y) BANNED(strtok, use_strchr_or_strcspn_with_lengths)
#undef strtok_r
#define strtok_r(x, y, z) BANNED(strtok_r, use_strchr_or_strcspn_with_lengths)
#undef sscanf
#define sscanf(...) BANNED(sscanf, use_strtol_or_strtoull_and_check_the_end)

/* no error reporting: "12abc", "" and overflow all give a number */
#undef atoi
#define atoi(x) BANNED(atoi, use_strtol_and_check_errno_and_the_end)
#undef atol
#define atol(x) BANNED(atol, use_strtol_and_check_errno_and_the_end)
#undef atoll
#define atoll(x) BANNED(atoll, use_strtoll_and_check_errno_and_the_end)
#undef atof
#define atof(x) BANNED(atof, use_strtod_and_check_errno_and_the_end)

/* a static result shared by every thread; the _r forms of ctime/asctime take an unsized buffer */
#undef gmtime
#define gmtime(t) BANNED(gmtime, use_gmtime_r)
#undef localtime
#define localtime(t) BANNED(localtime, use_localtime_r)
#undef ctime
#define ctime(t) BANNED(ctime, use_gmtime_r_and_strftime)
#undef ctime_r
#define ctime_r(t, buf) BANNED(ctime_r, use_gmtime_r_and_strftime)
#undef asctime
#define asctime(t) BANNED(asctime, use_strftime)
#undef asctime_r
#define asctime_r(t, buf) BANNED(asctime_r, use_strftime)

#endif /* HEARTH_BANNED_H */
