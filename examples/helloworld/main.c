#include <stdio.h>

/* The smallest useful unikernel: greet, then show the command line it was booted with. */
int main(int argc, char *argv[])
{
	printf("Hello world from a Unikraft unikernel built by Kraft.NET!\n");
#if CONFIG_APPHELLOWORLD_PRINTARGS
	for (int i = 0; i < argc; i++)
		printf("argv[%d] = %s\n", i, argv[i]);
#endif
	return 0;
}
